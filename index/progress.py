"""Progress events the indexer emits while it works, for the CLI bar and the UI.

An `IndexProgress` is a frozen value passed to an optional callback; the indexer never
prints. Stages, in order: "load" (files read), "reconcile" (repairing after a crash),
"remove" (deleted articles), "embed" (chunks embedded and written), "done".

Deliberately left out: rendering. The CLI draws a bar on a TTY, the UI shows text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


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
