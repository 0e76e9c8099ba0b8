"""The seam where the indexer hands out its heavy work: loading files, and chunking + embedding.

`IndexWork` (a Protocol) is what `index.pipeline.Indexer` calls; the Indexer stays the one
coordinator that plans and writes Chroma and the manifest, whoever does the work:
- `load(files, limits)`: read, parse and clean each file -> one `LoadedFile` per file, in the
  order given (articles, problems, notes; the per-file article count is `len(articles)`).
- `model()`: the embedding model loaded where it runs, as a `ModelInfo` (name, backend,
  dimension): the Indexer checks it against the index before anything is written.
- `embed(planned, settings, chunker, clock)`: chunk, date and embed planned articles ->
  `EmbeddedBatch`es (StoredArticles with chunks, dates and sentence vectors, plus the chunk
  vectors), in the order of `planned`, so commit order and ids never depend on who worked.

`LocalWork` is the in-process work, exactly as the indexer always did it (the default);
`index.ray_work.RayWork` runs the same functions below as Ray tasks. Both call `load_file`,
`chunked` and `embed_items`, so one process and a cluster compute the same thing.

Deliberately left out: writing (Chroma and the manifest are the coordinator's alone, which
keeps the crash-safe commit order in one place) and any Ray import.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from index.article_files import load_articles
from index.chunker import Chunker
from index.dates import find_date_mentions
from index.embedder import PendingEmbedder
from index.manifest import StoredArticle
from index.progress import StageClock
from index.sentences import embed_chunks
from newsrag.protocols import Embedder
from newsrag.settings import Settings
from newsrag.types import Article, FileLimits, FileMessage

__all__ = ["EmbeddedBatch", "IndexWork", "LoadedFile", "LocalWork", "ModelInfo", "PlannedArticle"]


@dataclass(frozen=True)
class LoadedFile:
    """One file as the loader read it: its articles (possibly none), and what went wrong or is worth a note."""

    path: Path
    articles: tuple[Article, ...]
    problems: tuple[FileMessage, ...]
    notes: tuple[FileMessage, ...]


@dataclass(frozen=True)
class PlannedArticle:
    """An article the plan says to (re-)embed, with every path it was found at and its fingerprint."""

    article: Article
    source_paths: tuple[str, ...]
    fingerprint: str


@dataclass(frozen=True)
class ModelInfo:
    """What the index records about the model that made its vectors."""

    name: str
    backend: str
    dimension: int


@dataclass(frozen=True, eq=False)  # eq=False: an array has no single truth value
class EmbeddedBatch:
    """Articles ready for one commit: chunks, dates and sentence vectors filled in, and the chunk vectors."""

    items: tuple[StoredArticle, ...]
    vectors: np.ndarray  # one row per chunk of `items`, in order
    total_chunks: int  # the run's chunks as known when this batch was done; exact at the last batch


class IndexWork(Protocol):
    """Who loads files and embeds articles for the Indexer (see the module docstring)."""

    @property
    def ran_on(self) -> str:
        """Where the work runs, for the report: "1 process", "ray: 2 workers"."""
        ...

    @property
    def model_loaded(self) -> bool:
        """True when `model()` costs nothing more (the Indexer loads a model ahead only when it is not)."""
        ...

    def load(self, files: Sequence[Path], limits: FileLimits) -> Iterator[LoadedFile]: ...

    def model(self) -> ModelInfo: ...

    def embed(self, planned: Sequence[PlannedArticle], settings: Settings, chunker: Chunker,
              clock: StageClock) -> Iterator[EmbeddedBatch]: ...


# --------------------------------------------------------------------------- the work itself


def load_file(path: Path, limits: FileLimits) -> LoadedFile:
    """One file through the loader; one file at a time, so a story found in several files keeps every path."""
    result = load_articles([path], limits)
    return LoadedFile(path, result.articles, result.problems, result.notes)


def chunked(planned: PlannedArticle, chunker: Chunker) -> StoredArticle:
    return StoredArticle(planned.article, planned.source_paths, planned.fingerprint, chunker.chunk(planned.article))


def dated(item: StoredArticle) -> StoredArticle:
    return dataclasses.replace(item, dates=find_date_mentions(item.article))


def embed_items(items: Sequence[StoredArticle], embedder: Embedder, sentence_vectors: str
                ) -> tuple[tuple[StoredArticle, ...], np.ndarray]:
    """One forward pass per chunk: its vector and its sentences' vectors (`index.sentences.embed_chunks`)."""
    chunks = [c for item in items for c in item.chunks]
    vectors, sentences = embed_chunks(embedder, chunks, sentence_vectors)
    by_chunk = {cs.chunk_id: cs for cs in sentences}
    done = tuple(dataclasses.replace(item, sentences=tuple(by_chunk[c.id] for c in item.chunks)) for item in items)
    return done, vectors


def model_info(embedder: Embedder) -> ModelInfo:
    return ModelInfo(embedder.name, embedder.backend, int(embedder.dimension))


def write_batch_chunks(settings: Settings) -> int:
    # Several encode batches per write: fewer Chroma calls and manifest commits.
    return max(32, settings.embed_batch_size * 8)


def estimated_chunks(article: Article, chunker: Chunker) -> int:
    """About how many chunks an article makes, before it is chunked (~4 characters a token):
    only for sizing work and progress, never for what is written."""
    step = max(1, chunker.chunk_tokens - chunker.overlap_tokens)
    return max(1, math.ceil(len(article.text) / 4 / step))


# --------------------------------------------------------------------------- in process


class LocalWork:
    """Everything in this process, as the indexer always did it: chunk and date every planned
    article, then embed and hand over write batches of `write_batch_chunks` chunks."""

    ran_on = "1 process"

    def __init__(self, embedder: Embedder | PendingEmbedder) -> None:
        self._embedder = embedder  # a pending one is loaded on first use

    @property
    def model_loaded(self) -> bool:
        return not isinstance(self._embedder, PendingEmbedder)

    @property
    def embedder(self) -> Embedder:
        if isinstance(self._embedder, PendingEmbedder):
            self._embedder = self._embedder.load()
        return self._embedder

    def load(self, files: Sequence[Path], limits: FileLimits) -> Iterator[LoadedFile]:
        for path in files:
            yield load_file(path, limits)

    def model(self) -> ModelInfo:
        return model_info(self.embedder)

    def embed(self, planned: Sequence[PlannedArticle], settings: Settings, chunker: Chunker,
              clock: StageClock) -> Iterator[EmbeddedBatch]:
        with clock.stage("chunk"):
            items = [chunked(p, chunker) for p in planned]
        with clock.stage("dates"):  # written with each article, in its batch's transaction
            items = [dated(item) for item in items]
        total = sum(len(i.chunks) for i in items)
        limit = write_batch_chunks(settings)
        batch: list[StoredArticle] = []
        for n, item in enumerate(items):
            batch.append(item)
            if sum(len(i.chunks) for i in batch) >= limit or n == len(items) - 1:
                with clock.stage("embed"):  # tokenize, model, pool sentence vectors
                    done, vectors = embed_items(batch, self.embedder, settings.sentence_vectors)
                yield EmbeddedBatch(done, vectors, total)
                batch = []
