"""Embedder factories for Ray workers in tests: Ray worker processes build their embedder from
the Settings (`index.ray_work`), so a test's fake embedder travels as a factory that workers
import from here (the Ray cluster the tests start has the project on its PYTHONPATH).

- `hash_embedder(settings)`: the suite's HashEmbedder under the settings' model name.
- `BlockFirstEmbed(folder)`: the same, except that the first embedding call anywhere (claimed
  with an exclusive file create, so only one worker gets it) writes its worker's pid to
  `folder/pid` and waits until `folder/release` exists: a test kills that worker then.

Deliberately left out: anything a test asserts on (the tests do that).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsrag.settings import Settings
from tests.fakes import HashEmbedder

_GIVE_UP_S = 120  # a test that never kills the worker fails instead of hanging the suite


def hash_embedder(settings: Settings) -> HashEmbedder:
    return HashEmbedder(name=settings.embedding_model)


@dataclass(frozen=True)
class BlockFirstEmbed:
    folder: str

    def __call__(self, settings: Settings) -> HashEmbedder:
        return _FirstCallWaits(Path(self.folder), settings.embedding_model)


class _FirstCallWaits(HashEmbedder):
    def __init__(self, folder: Path, name: str) -> None:
        super().__init__(name=name)
        self.folder = folder

    def _first_call_waits(self) -> None:
        try:
            os.close(os.open(self.folder / "claimed", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return  # not the first call: a retry, or another worker
        written = self.folder / "pid.partial"
        written.write_text(str(os.getpid()))
        os.replace(written, self.folder / "pid")  # whole or absent: the test never reads half a pid
        deadline = time.monotonic() + _GIVE_UP_S
        while not (self.folder / "release").exists():
            if time.monotonic() > deadline:
                raise TimeoutError("the test never killed this worker")
            time.sleep(0.02)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self._first_call_waits()
        return super().embed_documents(texts)

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
                         ) -> tuple[np.ndarray, list[np.ndarray]]:
        self._first_call_waits()
        return super().embed_with_spans(texts, spans)
