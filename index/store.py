"""Chroma (written through llama-index's ChromaVectorStore, searched directly), plus the read side of the index.

`ChromaIndex` is the only code that touches Chroma: it opens the collection (embedded
`PersistentClient` in `settings.chroma_dir`, or `HttpClient` when `settings.chroma_url`
is set), adds chunks as llama-index `TextNode`s with precomputed embeddings, deletes by
id, and searches the collection directly for ids and cosine distances (`nearest_ids`):
llama-index's query path would also fetch every hit's node JSON, which the reader
already holds from the manifest.

`open_reader(settings)` returns `ChromaIndexReader`, the `IndexReader` that `rag/` uses:
dense search from Chroma (ids and distances only, `nearest_ids`: the hot path), chunks,
articles and offsets from the manifest (the docstore, held in memory per generation),
and the stored sentence vectors of the chunks a question retrieved.
It never writes to Chroma or the manifest.

Deliberately left out: any ranking beyond Chroma's nearest neighbours (fusion and
reranking live in `rag/`), and Chroma's own embedding functions (we always pass vectors).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import urlparse

import numpy as np

from index.lexical import lexical_folder
from index.manifest import Manifest
from newsrag.errors import BackendError, ConfigError, IndexStateError
from newsrag.filters import date_matches, source_matches, title_matches
from newsrag.protocols import Embedder, same_vectors
from newsrag.settings import Settings
from newsrag.types import (
    Article,
    Chunk,
    ChunkSentences,
    DateMention,
    DuplicateGroup,
    IndexStatus,
    Passage,
    SearchFilter,
)

if TYPE_CHECKING:  # chromadb and llama-index are imported where used: both cost a cold start
    from chromadb.api import ClientAPI
    from chromadb.api.collection_configuration import CreateCollectionConfiguration
    from chromadb.api.models.Collection import Collection
    from chromadb.api.types import Where
    from chromadb.config import Settings as ChromaSettings
    from llama_index.vector_stores.chroma import ChromaVectorStore

NO_INDEX_FIX = "build the index first: run `newsrag index seeds/` (or your own folder)"
DAMAGED_FIX = (
    "check that the data dir is writable and the disk not full; if so, the Chroma files are damaged: "
    "rebuild them with `newsrag index --rebuild <your article folders>`"
)
_COSINE: CreateCollectionConfiguration = {"hnsw": {"space": "cosine"}}


def _chroma_settings() -> ChromaSettings:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def make_client(settings: Settings, *, create: bool) -> ClientAPI:
    """A Chroma client for settings; `create=False` refuses to create an on-disk store."""
    import chromadb

    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(
                f"expected NEWSRAG_CHROMA_URL like http://127.0.0.1:8000, got {settings.chroma_url!r}",
                fix="set NEWSRAG_CHROMA_URL / --chroma-url to the server's http URL, or unset it for on-disk Chroma",
            )
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=_chroma_settings(),
            )
        except Exception as exc:
            raise BackendError(
                f"expected a Chroma server at {settings.chroma_url}, got {type(exc).__name__}: {exc}",
                fix="start it (`chroma run --path <dir>`) or unset NEWSRAG_CHROMA_URL to use on-disk Chroma",
            ) from exc
    if not create and not settings.chroma_dir.is_dir():
        raise IndexStateError(f"expected a Chroma index at {settings.chroma_dir}, got no such folder", fix=NO_INDEX_FIX)
    try:
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=_chroma_settings())
    except Exception as exc:
        _forget_failed_client(settings.chroma_dir)
        raise IndexStateError(
            f"expected a usable Chroma folder at {settings.chroma_dir}, got {type(exc).__name__}: {exc}",
            fix=DAMAGED_FIX,
        ) from exc


def _forget_failed_client(path: Path) -> None:
    """Make chromadb forget a store it failed to open, so a later attempt reads the files again.

    chromadb caches one System per folder for the life of the process and caches it
    before starting it, so a store that failed to open (damaged files) would fail
    forever in this process, even after a rebuild. Only a System no client holds is dropped.
    """
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        key = str(path)
        if SharedSystemClient._identifier_to_refcount.get(key, 0) > 0:
            return
        system = SharedSystemClient._identifier_to_system.pop(key, None)
    except Exception:  # noqa: BLE001 - a chromadb without this cache: nothing to forget
        return
    if system is not None:
        with contextlib.suppress(Exception):  # it never started properly
            system.stop()


def yyyymmdd(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def chunk_metadata(chunk: Chunk, fingerprint: str) -> dict[str, str | int]:
    """Flat metadata stored with each chunk in Chroma (None values are left out)."""
    meta: dict[str, str | int] = {
        "article_id": chunk.article_id,
        "ordinal": chunk.ordinal,
        "start": chunk.start,
        "end": chunk.end,
        "title": chunk.title,
        "source_path": chunk.source_path,
        "token_count": chunk.token_count,
        "fingerprint": fingerprint,
    }
    if chunk.source:
        meta["source"] = chunk.source
    if chunk.dateline:
        meta["dateline"] = chunk.dateline
    if chunk.published:
        meta["published"] = chunk.published.isoformat()
        meta["published_int"] = yyyymmdd(chunk.published)
    return meta


class ChromaIndex:
    """The Chroma collection, reached through llama-index's ChromaVectorStore."""

    def __init__(self, collection: Collection, settings: Settings | None = None) -> None:
        self.collection = collection
        self.settings = settings
        self._vector_store: ChromaVectorStore | None = None

    @property
    def vector_store(self) -> ChromaVectorStore:
        """llama-index's ChromaVectorStore, made on first use: the read path (`nearest_ids`)
        never needs it, and importing llama-index costs a cold start 1-2 s."""
        if self._vector_store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._vector_store = ChromaVectorStore(chroma_collection=self.collection)
        return self._vector_store

    def _read_error(self, exc: Exception) -> BackendError | IndexStateError:
        """A failed read: the server's fault for a Chroma server, damaged files on disk."""
        if self.settings is None:
            return IndexStateError(f"expected a readable Chroma collection, got {type(exc).__name__}: {exc}",
                                   fix=DAMAGED_FIX)
        return _store_error(self.settings, exc)

    @classmethod
    def open_for_write(cls, settings: Settings) -> ChromaIndex:
        client = make_client(settings, create=True)
        try:
            collection = client.get_or_create_collection(
                settings.collection, configuration=_COSINE, embedding_function=None
            )
        except Exception as exc:
            raise _store_error(settings, exc) from exc
        return cls(collection, settings)

    @classmethod
    def open_for_read(cls, settings: Settings) -> ChromaIndex:
        client = make_client(settings, create=False)
        try:
            collection = client.get_collection(settings.collection, embedding_function=None)
        except Exception as exc:
            if type(exc).__name__ == "NotFoundError":
                raise IndexStateError(
                    f"expected a Chroma collection {settings.collection!r} at {settings.index_location}, got none",
                    fix=NO_INDEX_FIX,
                ) from exc
            raise _store_error(settings, exc) from exc
        return cls(collection, settings)

    @staticmethod
    def drop(settings: Settings) -> None:
        """Delete the whole collection (for --rebuild); missing is fine.

        An on-disk store too damaged to open cannot be emptied through Chroma, so its
        folder is removed instead: it holds nothing the rebuild does not recreate.
        """
        try:
            client = make_client(settings, create=True)
        except IndexStateError:
            if settings.chroma_url or not settings.chroma_dir.exists():
                raise
            try:
                shutil.rmtree(settings.chroma_dir)
            except OSError as exc:
                raise IndexStateError(
                    f"expected to remove the damaged Chroma folder {settings.chroma_dir}, got {exc}",
                    fix=f"delete {settings.chroma_dir} by hand, then run `newsrag index --rebuild` again",
                ) from exc
            return
        try:
            client.delete_collection(settings.collection)
        except Exception as exc:
            if type(exc).__name__ not in ("NotFoundError", "InvalidCollectionException", "ValueError"):
                raise _store_error(settings, exc) from exc

    def _batch(self) -> int:
        # Chroma limits one call's size; llama-index's own limit is larger than ours.
        return 2000

    def count(self) -> int:
        try:
            return int(self.collection.count())
        except Exception as exc:
            raise self._read_error(exc) from exc

    def add(self, chunks: Sequence[Chunk], embeddings: np.ndarray, fingerprints: Mapping[str, str]) -> None:
        """Write chunks (replacing any with the same ids: Chroma's add ignores existing ids)."""
        from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode

        if not chunks:
            return
        self.delete([c.id for c in chunks])
        nodes: list[BaseNode] = [
            TextNode(
                id_=c.id,
                text=c.text,
                embedding=[float(x) for x in vector],
                metadata=chunk_metadata(c, fingerprints[c.article_id]),
                relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=c.article_id)},
            )
            for c, vector in zip(chunks, embeddings, strict=True)
        ]
        for i in range(0, len(nodes), self._batch()):
            self.vector_store.add(nodes[i : i + self._batch()])

    def delete(self, chunk_ids: Sequence[str]) -> None:
        ids = list(chunk_ids)
        for i in range(0, len(ids), self._batch()):
            self.vector_store.delete_nodes(node_ids=ids[i : i + self._batch()])

    def fingerprints(self) -> dict[str, str]:
        """chunk id -> the article fingerprint stamped on it, for every chunk in Chroma."""
        out: dict[str, str] = {}
        page = 5000
        offset = 0
        while True:
            try:
                got = self.collection.get(include=["metadatas"], limit=page, offset=offset)
            except Exception as exc:
                raise self._read_error(exc) from exc
            for cid, meta in zip(got["ids"], got["metadatas"] or [], strict=False):
                out[cid] = str((meta or {}).get("fingerprint", ""))
            if len(got["ids"]) < page:
                return out
            offset += page

    def nearest_ids(self, embedding: np.ndarray, k: int, article_ids: Sequence[str] | None = None,
                    date_from: dt.date | None = None, date_to: dt.date | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the k nearest chunks, nearest first: the read path.

        Asks Chroma for ids and distances only: fetching each hit's document and metadata
        (llama-index stores a JSON copy of the whole node) costs 3-5x the HNSW search
        itself, and the reader already holds every chunk (from the manifest, for BM25).
        """
        clauses: list[dict[str, object]] = []
        if article_ids is not None:
            clauses.append({"article_id": {"$in": list(article_ids)}})
        if date_from is not None:
            clauses.append({"published_int": {"$gte": yyyymmdd(date_from)}})
        if date_to is not None:
            clauses.append({"published_int": {"$lte": yyyymmdd(date_to)}})
        where = cast("Where | None", None if not clauses else clauses[0] if len(clauses) == 1 else {"$and": clauses})
        query: list[Sequence[float] | Sequence[int]] = [np.asarray(embedding, dtype=np.float32).tolist()]
        try:
            got = self.collection.query(query_embeddings=query, n_results=k, where=where, include=["distances"])
        except Exception as exc:
            raise self._read_error(exc) from exc
        ids = (got.get("ids") or [[]])[0]
        distances = (got.get("distances") or [[]])[0]
        # cosine space: distance = 1 - cosine similarity
        return [(cid, max(-1.0, min(1.0, 1.0 - float(d)))) for cid, d in zip(ids, distances, strict=True)]


def _store_error(settings: Settings, exc: Exception) -> BackendError | IndexStateError:
    """A Chroma call failed: BackendError for a Chroma server, IndexStateError on disk."""
    if settings.chroma_url:
        return BackendError(
            f"expected Chroma at {settings.index_location} to answer, got {type(exc).__name__}: {exc}",
            fix="check the Chroma server, then retry",
        )
    return IndexStateError(
        f"expected a readable Chroma index at {settings.index_location}, got {type(exc).__name__}: {exc}",
        fix=DAMAGED_FIX,
    )


def _filtered_article_ids(manifest: Manifest, where: SearchFilter) -> set[str] | None:
    """Article ids allowed by the id/source/title parts of a filter (None = no restriction);
    dates are left to Chroma's own `where` (newsrag/filters.py defines what matches)."""
    allowed: set[str] | None = set(where.article_ids) if where.article_ids else None
    if not (where.sources or where.title_words):
        return allowed
    sources = manifest.sources()
    return {a.id for a in manifest.articles()
            if (allowed is None or a.id in allowed)
            and source_matches(where, a.source, sources.get(a.id, [a.source_path])) and title_matches(where, a.title)}


class ChromaIndexReader:
    """IndexReader over Chroma (vectors) + the manifest (articles, offsets, status)."""

    def __init__(self, settings: Settings, manifest: Manifest, chroma: ChromaIndex, model: str) -> None:
        self.settings = settings
        self.manifest = manifest
        self.chroma = chroma
        self.embedding_model = model
        self._lock = threading.Lock()
        self._chunks_cache: tuple[str, list[Chunk], dict[str, Chunk]] | None = None

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
        by_id = self._chunks_by_id()
        k = min(k, max(1, len(by_id)))
        hits = self.chroma.nearest_ids(embedding, k, article_ids, date_from, date_to)
        # Chunks come from the manifest, so only what it vouches for is found: chunks an
        # interrupted run wrote to Chroma before its commit (crash, full disk) are not
        # part of the index until repaired.
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
            return frozenset(a.id for a in self.manifest.articles()
                             if (allowed is None or a.id in allowed) and date_matches(where, a.published))

    def _chunks(self) -> tuple[list[Chunk], dict[str, Chunk]]:
        """Every chunk of the manifest, in order and by id; re-read when the generation changes."""
        with self._lock:
            gen = self.manifest.generation()
            if self._chunks_cache is None or self._chunks_cache[0] != gen:
                chunks = self.manifest.chunks()
                self._chunks_cache = (gen, chunks, {c.id: c for c in chunks})
            return self._chunks_cache[1], self._chunks_cache[2]

    def _chunks_by_id(self) -> dict[str, Chunk]:
        return self._chunks()[1]

    def all_chunks(self) -> list[Chunk]:
        return list(self._chunks()[0])

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
    return IndexStatus(
        articles=manifest.article_count(),
        chunks=manifest.chunk_count(),
        embedding_model=manifest.get_meta("embedding_model") or "",
        location=settings.index_location,
        last_indexed=dt.datetime.fromisoformat(last) if last else None,
        article_titles=manifest.article_titles(),
        duplicate_groups=tuple(manifest.duplicate_groups()),
        dated_articles=manifest.dated_article_count(),
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
