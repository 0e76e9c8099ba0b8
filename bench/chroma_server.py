"""A real `chroma run` server on a free local port for as long as a block runs: what the
scale benchmark measures an archive against, and what the indexer tests write into.

Deliberately left out: anything the product itself starts. A user runs `chroma run` on their
own machine or cluster and points `NEWSRAG_CHROMA_URL` at it (README, "Indexing on a Ray cluster").
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STARTUP_LIMIT_S = 60.0  # a server that answers no heartbeat by then is reported as failed to start


def chroma_executable() -> str | None:
    """The `chroma` command installed beside this Python (the project's venv), else on PATH."""
    beside = Path(sys.executable).with_name("chroma")
    return str(beside) if beside.exists() else shutil.which("chroma")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_chroma(store: Path, log: Path | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """(URL, process) of a `chroma run` server storing under `store`, until the block ends.

    Ready means it answered its heartbeat; a server that exits first (a damaged folder, a
    port taken) or answers none within STARTUP_LIMIT_S raises RuntimeError with its log's tail."""
    executable = chroma_executable()
    if executable is None:
        raise FileNotFoundError("expected the `chroma` server command (chromadb's), got none: run `make setup`")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - the server writes it until stopped
    proc = subprocess.Popen([executable, "run", "--path", str(store), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_S
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:] if log else ""
                raise RuntimeError(f"expected a chroma server on {store}, got none (exit {proc.poll()}): {tail}")
            time.sleep(0.3)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()  # type: ignore[union-attr]
