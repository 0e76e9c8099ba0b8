"""Indexing work as Ray tasks: loading files, and chunking + embedding articles, over several workers.

`RayWork` implements `index.work.IndexWork` for `newsrag index --workers N` (a Ray started
for the run: `ray.init(num_cpus=N)`, shut down after) and `--ray-address ADDR` (an existing
cluster: joined, then left, never stopped). Use it as a context manager around
`Indexer.index`; the Indexer still plans and writes every result, in order, as in one process.

- Tasks are stateless remote functions (`_load_files`, `_embed_batch`, `_model_info`) running
  the very functions `LocalWork` runs (`index.work`), so Ray can run a task again when its
  worker dies (`max_retries`): the coordinator writes a batch only once its result is back,
  so a retry can neither lose nor repeat a write.
- Each worker process builds its embedder once, from the Settings, with `embedder_factory`
  (default `index.embedder.load_index_embedder`), and keeps it in a module-level cache keyed
  by the factory and the model name. The factory travels by pickle, so it must be a
  module-level function, or a picklable callable whose class the workers can import (a test's
  fake embedder: an embedder handed to the Indexer cannot be rebuilt in another process).
  Torch runs one thread per worker: Ray runs one task per core.
- Embedding batches are submitted with at most `2 x workers` in flight and taken back in
  submission order: workers never idle between batches, memory stays bounded, and commit
  order and ids are those of the plan.

Deliberately left out: writing (the coordinator's alone), GPUs, actors (a worker holds only
a cache, so a dead one costs a model load, never a result) and starting remote clusters.
The project's code must be importable on every node (`pip install -e '.[distributed]'`).
"""

from __future__ import annotations

import logging
import math
import socket
import sys
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from index.chunker import Chunker
from index.embedder import load_index_embedder
from index.progress import StageClock
from index.work import (
    EmbeddedBatch,
    LoadedFile,
    ModelInfo,
    PlannedArticle,
    chunked,
    dated,
    embed_items,
    estimated_chunks,
    load_file,
    model_info,
    write_batch_chunks,
)
from newsrag.errors import BackendError, ConfigError, NewsragError
from newsrag.protocols import Embedder
from newsrag.settings import Settings
from newsrag.types import FileLimits

if TYPE_CHECKING:
    from ray import ObjectRef

__all__ = ["EmbedderFactory", "RayWork"]

EmbedderFactory = Callable[[Settings], Embedder]
T = TypeVar("T")

RETRIES = 3  # a task whose worker died runs again, up to 3 times, before the run fails
INSTALL_FIX = "install it: pip install -e '.[distributed]'"
_CONNECT_TIMEOUT_S = 5.0  # ray.init waits minutes on an address nobody answers; say so in seconds

# --------------------------------------------------------------------------- in the worker

_embedders: dict[tuple[Hashable, str], Embedder] = {}


def _worker_embedder(settings: Settings, factory: EmbedderFactory) -> Embedder:
    """This worker's embedder: built on the first task that needs it, then reused."""
    key = (factory, settings.embedding_model)
    embedder = _embedders.get(key)
    if embedder is None:
        embedder = factory(settings)
        if "torch" in sys.modules:  # only a torch model has torch threads to limit; never import it for one
            import torch

            torch.set_num_threads(1)  # one task per core: more threads would fight the other workers
        _embedders[key] = embedder
    return embedder


def _load_files(paths: tuple[Path, ...], limits: FileLimits) -> tuple[LoadedFile, ...]:
    return tuple(load_file(path, limits) for path in paths)


def _embed_batch(planned: tuple[PlannedArticle, ...], settings: Settings, chunker: Chunker,
                 factory: EmbedderFactory) -> EmbeddedBatch:
    items = [dated(chunked(p, chunker)) for p in planned]
    done, vectors = embed_items(items, _worker_embedder(settings, factory), settings.sentence_vectors)
    return EmbeddedBatch(done, vectors, sum(len(i.chunks) for i in done))


def _model_info(settings: Settings, factory: EmbedderFactory) -> ModelInfo:
    return model_info(_worker_embedder(settings, factory))


# --------------------------------------------------------------------------- in the coordinator


def check_reachable(address: str) -> None:
    """Fail in seconds, with the address, when nothing listens at HOST:PORT ("auto" is Ray's to find)."""
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        if address == "auto":
            return
        raise ConfigError(f"expected --ray-address as HOST:PORT (e.g. 10.0.0.5:6379), got {address!r}",
                          fix="give the address `ray start --head` printed")
    try:
        socket.create_connection((host, int(port)), timeout=_CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise BackendError(f"expected a Ray cluster at {address}, got no answer ({exc})",
                           fix=f"start one (`ray start --head --port {port}`) or check the address and "
                           "that the port is open") from None


def _task_error(exc: Exception) -> NewsragError:
    """A task that failed for good: our own error as raised in the worker, else what Ray said."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, NewsragError):
        return cause
    return BackendError(f"expected the Ray task to finish, got {type(exc).__name__}: {str(exc)[-500:]}",
                        fix="see the Ray logs (/tmp/ray/session_latest/logs); re-run `newsrag index`, "
                        "it resumes from the last committed batch")


class RayWork:
    """Loading and embedding as Ray tasks (see the module docstring). Not reusable across `with` blocks."""

    def __init__(self, settings: Settings, workers: int | None = None, address: str | None = None,
                 embedder_factory: EmbedderFactory = load_index_embedder) -> None:
        if workers is None and address is None:
            raise ConfigError("expected a number of workers or a Ray address, got neither",
                              fix="e.g. `--workers 2` or `--ray-address HOST:6379`")
        if workers is not None and workers < 1:
            raise ConfigError(f"expected at least 1 worker, got {workers}", fix="e.g. --workers 2")
        self.settings = settings
        self.address = address
        self._workers_given = workers
        self.workers = workers or 1  # with an address and no count: the cluster's CPUs, once joined
        self.factory = embedder_factory
        self._model: ModelInfo | None = None
        self._started = False  # whether this object called ray.init (and so must shut it down)

    @property
    def ran_on(self) -> str:
        where = f"ray at {self.address}" if self.address else "ray"
        return f"{where}: {self.workers} worker{'s' if self.workers != 1 else ''}"

    @property
    def model_loaded(self) -> bool:
        return self._model is not None

    def __enter__(self) -> RayWork:
        try:
            import ray
        except ImportError:
            raise ConfigError("expected the `ray` package for --workers / --ray-address, got none installed",
                              fix=INSTALL_FIX) from None
        if ray.is_initialized():  # a Ray this process already joined (a notebook): use it, leave it running
            self._count_workers()
            return self
        if self.address:
            check_reachable(self.address)
            try:
                ray.init(address=self.address, logging_level=logging.WARNING)
            except (ConnectionError, RuntimeError) as exc:
                raise BackendError(
                    f"expected to join the Ray cluster at {self.address}, got {type(exc).__name__}: {exc} "
                    f"({exc.__cause__ or 'no detail'})",
                    fix="a cluster started by `ray start` wants its token: on another machine copy "
                    "~/.ray/auth_token here, then run with RAY_AUTH_MODE=token",
                ) from None
            self._started = True
            self._count_workers()
        else:
            # address="local": a new Ray for this run, never a cluster some earlier `ray start` left recorded.
            ray.init(address="local", num_cpus=self.workers, include_dashboard=False, logging_level=logging.WARNING)
            self._started = True
        return self

    def _count_workers(self) -> None:
        """Without --workers, as many workers as the cluster has CPUs."""
        if self._workers_given is None:
            import ray

            resources: dict[str, float] = ray.cluster_resources()  # type: ignore[no-untyped-call]  # ray: unannotated
            self.workers = max(1, int(resources.get("CPU", 1)))

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._started:
            import ray

            ray.shutdown()  # stops a Ray started here; only disconnects from a cluster
            self._started = False

    # --- IndexWork

    def load(self, files: Sequence[Path], limits: FileLimits) -> Iterator[LoadedFile]:
        import ray

        task = ray.remote(max_retries=RETRIES)(_load_files)
        # Loading a file takes milliseconds: a few slices per worker, so Ray's per-task cost stays small.
        size = max(1, min(64, math.ceil(len(files) / (4 * self.workers))))
        refs = [task.remote(tuple(files[at : at + size]), limits) for at in range(0, len(files), size)]
        for ref in refs:
            yield from self._get(ref)

    def model(self) -> ModelInfo:
        if self._model is None:
            import ray

            task = ray.remote(max_retries=RETRIES)(_model_info)
            # One task per worker, at once: every worker loads its model now, side by side, instead of
            # one now and the others in their first batch while the rest wait on them.
            refs = [task.remote(self.settings, self.factory) for _ in range(self.workers)]
            infos = {self._get(ref) for ref in refs}
            if len(infos) != 1:
                raise ConfigError(f"expected every Ray worker to load the same model, got {sorted(map(str, infos))}",
                                  fix="install the same model (and versions) on every node")
            self._model = infos.pop()
        return self._model

    def embed(self, planned: Sequence[PlannedArticle], settings: Settings, chunker: Chunker,
              clock: StageClock) -> Iterator[EmbeddedBatch]:
        import ray

        task = ray.remote(max_retries=RETRIES)(_embed_batch)
        batches = self._batches(planned, settings, chunker)
        estimates = [sum(estimated_chunks(p.article, chunker) for p in batch) for batch in batches]
        window: deque[ObjectRef[EmbeddedBatch]] = deque()
        submitted = done_chunks = 0
        for n in range(len(batches)):
            while submitted < len(batches) and len(window) < 2 * self.workers:
                window.append(task.remote(batches[submitted], settings, chunker, self.factory))
                submitted += 1
            with clock.stage("embed"):  # waiting on the workers
                result = self._get(window.popleft())
            done_chunks += result.total_chunks
            yield EmbeddedBatch(result.items, result.vectors, done_chunks + sum(estimates[n + 1 :]))

    def _batches(self, planned: Sequence[PlannedArticle], settings: Settings, chunker: Chunker
                 ) -> list[tuple[PlannedArticle, ...]]:
        """Consecutive runs of planned articles, about 4 per worker, each of at most a write batch."""
        sizes = [estimated_chunks(p.article, chunker) for p in planned]
        target = min(write_batch_chunks(settings),
                     max(settings.embed_batch_size, math.ceil(sum(sizes) / (4 * self.workers))))
        batches: list[tuple[PlannedArticle, ...]] = []
        start = held = 0
        for n, size in enumerate(sizes):
            held += size
            if held >= target or n == len(sizes) - 1:
                batches.append(tuple(planned[start : n + 1]))
                start, held = n + 1, 0
        return batches

    @staticmethod
    def _get(ref: ObjectRef[T]) -> T:
        import ray

        try:
            return ray.get(ref)
        except ray.exceptions.RayError as exc:
            raise _task_error(exc) from exc
