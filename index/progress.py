"""Progress events the indexer emits while it works, for the CLI bar and the UI.

An `IndexProgress` is a frozen value passed to an optional callback; the indexer never
prints. Stages, in order: "load" (files read), "reconcile" (repairing after a crash),
"remove" (deleted articles), "embed" (chunks embedded and written), "done".

`StageClock` adds up the wall time of each stage for `IndexReport.stages` (the index
benchmark's breakdown).

Deliberately left out: rendering. The CLI draws a bar on a TTY, the UI shows text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from newsrag.types import StageTime


@dataclass(frozen=True)
class IndexProgress:
    stage: str  # "load", "reconcile", "remove", "embed", "done"
    done: int  # units finished in this stage (chunks for "embed", files for "load")
    total: int  # units in this stage; 0 when unknown
    message: str = ""

    @property
    def fraction(self) -> float:
        return 1.0 if self.total <= 0 else min(1.0, self.done / self.total)


ProgressCallback = Callable[[IndexProgress], None]


def emit(callback: ProgressCallback | None, stage: str, done: int, total: int, message: str = "") -> None:
    if callback is not None:
        callback(IndexProgress(stage=stage, done=done, total=total, message=message))


class StageClock:
    """Seconds per stage, summed over every time the stage ran."""

    def __init__(self) -> None:
        self._seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self._seconds[name] = self._seconds.get(name, 0.0) + time.perf_counter() - started

    def times(self) -> tuple[StageTime, ...]:
        return tuple(StageTime(name, seconds) for name, seconds in self._seconds.items())
