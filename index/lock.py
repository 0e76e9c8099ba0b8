"""A process-level lock so that two indexers never write the same index at once.

`fcntl.flock` on `<data_dir>/index.lock`: the kernel drops it when the holder exits,
even on kill -9, so a crashed run never leaves a stale lock behind.

Deliberately left out: waiting for the lock. A second indexer fails at once with a
clear message; queueing belongs to whoever starts indexers (CLI user, UI).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from newsrag.errors import ConfigError, IndexStateError

LOCK_NAME = "index.lock"


class IndexLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> IndexLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigError(
                f"expected a writable data dir at {self.path.parent}, got {type(exc).__name__}: {exc.strerror or exc}",
                fix="set NEWSRAG_DATA_DIR / --data-dir to a writable folder with free space",
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise IndexStateError(
                f"expected no other indexer on {self.path.parent}, got one running (lock {self.path} is held)",
                fix="wait for the other `newsrag index` to finish, then retry",
            ) from exc
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())  # for humans; the flock is what counts
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> IndexLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
