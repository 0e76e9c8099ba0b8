"""The Chroma adapter: the only code that touches Chroma, for the indexer and the reader alike.

`make_client(settings)` opens the store (embedded `PersistentClient` in
`settings.chroma_dir`, or `HttpClient` when `settings.chroma_url` is set) and turns its
failures into newsrag errors with a fix. `ChromaIndex` is one collection (cosine space):
- writes go through llama-index's `ChromaVectorStore`: `add` stores chunks as `TextNode`s
  with precomputed vectors and flat metadata (`chunk_metadata`), `delete` removes by id;
- reads go to the Chroma collection directly: `count`, `fingerprints` (what the indexer
  reconciles against) and `nearest_ids` (ids and cosine similarities only, with article and
  date clauses in Chroma's `where`): llama-index's query path would also fetch every hit's
  node JSON, which the reader already holds from the manifest.

chromadb and llama-index are imported on first use: each costs a cold start.

Deliberately left out: the manifest and the search filters (the reader that joins them
with Chroma is `index/index_reader.py`), the order of writes that keeps Chroma and the
manifest consistent (`index/pipeline.py`), any ranking beyond Chroma's nearest neighbours
(`rag/`), and Chroma's own embedding functions (vectors are always passed in).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import urlparse

import numpy as np

from newsrag.errors import BackendError, ConfigError, IndexStateError
from newsrag.settings import Settings
from newsrag.types import Chunk

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
    """One Chroma collection: written through llama-index's ChromaVectorStore, read directly."""

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
