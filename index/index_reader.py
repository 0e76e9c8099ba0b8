"""The read side of the index: `open_reader(settings)` and the `IndexReader` it returns.

`ChromaIndexReader` (the `newsrag.protocols.IndexReader` that `rag/` uses) joins three
things: dense search in Chroma (`index/chroma_store.py`, chunk ids and distances only: the
hot path), the manifest (chunks, articles, offsets, status, dates, duplicate groups and the
stored sentence vectors, read by id when a search needs them: opening an index reads no
chunk, so a first question costs the same at 1k chunks as at 1M) and the search filters
(`newsrag/filters.py` defines what a filter lets through; here it becomes the article ids
and the date range Chroma is asked for). `read_status(settings)` reads the counts and
model from the manifest alone. `open_reader` refuses an index built with another model or
a backend whose vectors differ, and names a manifest whose Chroma vectors are gone.

Deliberately left out: any write to Chroma or the manifest (`index/pipeline.py`), Chroma
itself (`index/chroma_store.py`), and any ranking beyond Chroma's nearest neighbours
(fusion, BM25 scoring and reranking live in `rag/`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.chroma_store import NO_INDEX_FIX, ChromaIndex
from index.lexical import lexical_folder
from index.manifest import Manifest
from newsrag.errors import IndexStateError
from newsrag.filters import date_matches, source_matches, title_matches
from newsrag.protocols import Embedder, same_vectors
from newsrag.settings import Settings
from newsrag.types import (
    Article,
    ArticleFacet,
    Chunk,
    ChunkSentences,
    DateMention,
    DuplicateGroup,
    IndexStatus,
    Passage,
    SearchFilter,
)

# What a status lists (the page's index panel, `newsrag status`): an archive's counts are exact,
# its lists are a readable head, not hundreds of thousands of lines.
STATUS_ARTICLES = 500
STATUS_GROUPS = 200


def _filtered_article_ids(manifest: Manifest, where: SearchFilter) -> set[str] | None:
    """Article ids allowed by the id/source/title parts of a filter (None = no restriction);
    dates are left to Chroma's own `where` (newsrag/filters.py defines what matches)."""
    allowed: set[str] | None = set(where.article_ids) if where.article_ids else None
    if not (where.sources or where.title_words):
        return allowed
    sources = manifest.sources()
    return {f.id for f in manifest.article_facets()
            if (allowed is None or f.id in allowed)
            and source_matches(where, f.source, sources.get(f.id, [f.source_path])) and title_matches(where, f.title)}


class ChromaIndexReader:
    """IndexReader over Chroma (vectors) + the manifest (articles, offsets, status)."""

    def __init__(self, settings: Settings, manifest: Manifest, chroma: ChromaIndex, model: str) -> None:
        self.settings = settings
        self.manifest = manifest
        self.chroma = chroma
        self.embedding_model = model
        self._lock = threading.Lock()

    def generation(self) -> str:
        with self._lock:
            return f"{self.embedding_model}#{self.manifest.generation()}"

    def count(self) -> int:
        with self._lock:
            return self.manifest.chunk_count()

    def dense_search(self, embedding: np.ndarray, k: int, where: SearchFilter | None) -> list[Passage]:
        if k <= 0:
            return []
        article_ids = None
        date_from = date_to = None
        if where is not None and not where.empty:
            with self._lock:
                allowed = _filtered_article_ids(self.manifest, where)
            if allowed is not None and not allowed:
                return []
            article_ids = sorted(allowed) if allowed is not None else None
            date_from, date_to = where.date_from, where.date_to
        k = min(k, max(1, self.count()))
        hits = self.chroma.nearest_ids(embedding, k, article_ids, date_from, date_to)
        # Chunks come from the manifest, so only what it vouches for is found: chunks an
        # interrupted run wrote to Chroma before its commit (crash, full disk) are not
        # part of the index until repaired.
        by_id = self.chunks([cid for cid, _ in hits])
        passages: list[Passage] = []
        for cid, similarity in hits:
            chunk = by_id.get(cid)
            if chunk is not None:
                passages.append(Passage(chunk=chunk, score=similarity, rank=len(passages) + 1,
                                        dense_score=similarity))
        return passages

    def matching_articles(self, where: SearchFilter) -> frozenset[str] | None:
        if where.empty:
            return None
        with self._lock:
            allowed = _filtered_article_ids(self.manifest, where)
            if not (where.date_from or where.date_to):
                return None if allowed is None else frozenset(allowed)
            return frozenset(f.id for f in self.manifest.article_facets()
                             if (allowed is None or f.id in allowed) and date_matches(where, f.published))

    def chunks(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]:
        with self._lock:
            return self.manifest.chunks_by_id(chunk_ids)

    def all_chunks(self) -> list[Chunk]:
        with self._lock:
            return self.manifest.chunks()

    def stored_lexical(self) -> Path | None:
        with self._lock:
            meta = self.manifest.meta()
        key = meta.get("bm25")
        # Stored after the run's last chunk commit; any later content change bumps the generation.
        if not key or meta.get("bm25_generation") != meta.get("generation"):
            return None
        return lexical_folder(self.settings.data_dir, key)

    def sentences(self, chunk_ids: Sequence[str]) -> dict[str, ChunkSentences]:
        with self._lock:
            dimension = int(self.manifest.get_meta("embedding_dimension") or 0)
            return self.manifest.sentences(chunk_ids, dimension) if dimension else {}

    def article(self, article_id: str) -> Article | None:
        with self._lock:
            return self.manifest.article(article_id)

    def articles(self) -> list[Article]:
        with self._lock:
            return self.manifest.articles()

    def article_chunks(self, article_id: str) -> list[Chunk]:
        with self._lock:
            return self.manifest.article_chunks(article_id)

    def article_facets(self) -> list[ArticleFacet]:
        with self._lock:
            return self.manifest.article_facets()

    def article_ids(self) -> list[str]:
        with self._lock:
            return self.manifest.article_ids()

    def outlets(self) -> dict[str, int]:
        with self._lock:
            return self.manifest.outlets()

    def newest_articles(self, limit: int) -> list[ArticleFacet]:
        with self._lock:
            return self.manifest.newest_articles(limit)

    def status(self) -> IndexStatus:
        with self._lock:
            return _status(self.settings, self.manifest)

    def date_mentions(self, article_ids: Sequence[str]) -> list[DateMention]:
        with self._lock:
            return self.manifest.date_mentions(article_ids)

    def duplicate_groups(self) -> list[DuplicateGroup]:
        with self._lock:
            return self.manifest.duplicate_groups()


def _status(settings: Settings, manifest: Manifest) -> IndexStatus:
    last = manifest.get_meta("last_indexed")
    groups = manifest.duplicate_groups()
    listed = groups[:STATUS_GROUPS]
    return IndexStatus(
        articles=manifest.article_count(),
        chunks=manifest.chunk_count(),
        embedding_model=manifest.get_meta("embedding_model") or "",
        location=settings.index_location,
        last_indexed=dt.datetime.fromisoformat(last) if last else None,
        article_titles=manifest.article_titles(STATUS_ARTICLES),
        duplicate_groups=tuple(listed),
        dated_articles=manifest.dated_article_count(),
        duplicate_group_count=len(groups),
        group_titles=tuple(manifest.titles_of([aid for g in listed for aid in g.article_ids]).items()),
    )


def _open_manifest(settings: Settings) -> tuple[Manifest, str]:
    manifest = Manifest(settings.manifest_path, readonly=True)
    try:
        model = manifest.get_meta("embedding_model")
    except Exception as exc:  # sqlite3 errors on a damaged or foreign file
        manifest.close()
        raise IndexStateError(
            f"expected a newsrag manifest at {settings.manifest_path}, got {type(exc).__name__}: {exc}",
            fix="run `newsrag index --rebuild`",
        ) from exc
    if not model:
        manifest.close()
        raise IndexStateError(f"expected a finished index at {settings.data_dir}, got an empty manifest",
                              fix=NO_INDEX_FIX)
    return manifest, model


def open_reader(settings: Settings, embedder: Embedder | None = None) -> ChromaIndexReader:
    """The read side; IndexStateError when the index is missing or built with another model."""
    manifest, model = _open_manifest(settings)
    if embedder is not None:
        dimension = manifest.get_meta("embedding_dimension")
        if embedder.name != model or (dimension and int(dimension) != embedder.dimension):
            manifest.close()
            raise IndexStateError(
                f"expected embedding model {model!r} (the one the index was built with), "
                f"got {embedder.name!r}",
                fix=f"set NEWSRAG_EMBEDDING_MODEL={model}, or re-index with the new model: `newsrag index --rebuild`",
            )
        backend = manifest.get_meta("embedding_backend") or "torch"  # older indexes: all torch
        if not same_vectors(backend, embedder.backend):
            manifest.close()
            raise IndexStateError(
                f"expected an embedder whose vectors match the index's ({backend!r} backend), "
                f"got the {embedder.backend!r} backend",
                fix="set NEWSRAG_QUERY_EMBEDDER=auto, or re-index: `newsrag index --rebuild`",
            )
    try:
        chroma = ChromaIndex.open_for_read(settings)
    except IndexStateError as exc:
        articles = manifest.article_count()
        manifest.close()
        if articles and exc.fix == NO_INDEX_FIX:  # the vectors are gone, the manifest is not
            raise IndexStateError(
                f"expected the Chroma index that the manifest {settings.manifest_path} describes "
                f"({articles} articles), got: {exc.message}",
                fix="re-run `newsrag index <your article folders>`: it re-embeds every article the index lists",
            ) from exc
        raise
    except Exception:
        manifest.close()
        raise
    return ChromaIndexReader(settings, manifest, chroma, model)


def read_status(settings: Settings) -> IndexStatus:
    """Counts and model of the index, from the manifest only (IndexStateError if none)."""
    manifest, _ = _open_manifest(settings)
    try:
        return _status(settings, manifest)
    finally:
        manifest.close()
