"""Chroma behind llama-index's ChromaVectorStore, plus the read side of the index.

`ChromaIndex` is the only code that touches Chroma: it opens the collection (embedded
`PersistentClient` in `settings.chroma_dir`, or `HttpClient` when `settings.chroma_url`
is set), adds chunks as llama-index `TextNode`s with precomputed embeddings, deletes by
id, and queries with `VectorStoreQuery` + `MetadataFilters`. The collection uses cosine
space; llama-index reports `exp(-distance)`, which we turn back into cosine similarity.

`open_reader(settings)` returns `ChromaIndexReader`, the `IndexReader` that `rag/` uses:
dense search from Chroma, articles and chunk offsets from the manifest (the docstore).
It never writes to Chroma or the manifest.

Deliberately left out: any ranking beyond Chroma's nearest neighbours (fusion and
reranking live in `rag/`), and Chroma's own embedding functions (we always pass vectors).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

import numpy as np

from index.manifest import Manifest
from newsrag.errors import BackendError, ConfigError, IndexStateError
from newsrag.protocols import Embedder
from newsrag.settings import Settings
from newsrag.text import normalize, words
from newsrag.types import Article, Chunk, IndexStatus, Passage, SearchFilter

NO_INDEX_FIX = "build the index first: run `newsrag index seeds/` (or your own folder)"
_COSINE = {"hnsw": {"space": "cosine"}}


def _chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def make_client(settings: Settings, *, create: bool):
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
        raise IndexStateError(
            f"expected a usable Chroma folder at {settings.chroma_dir}, got {type(exc).__name__}: {exc}",
            fix="make the data dir writable, or remove it and run `newsrag index --rebuild`",
        ) from exc


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


def chunk_from_metadata(chunk_id: str, text: str, meta: Mapping[str, object]) -> Chunk:
    published = meta.get("published")
    return Chunk(
        id=chunk_id,
        article_id=str(meta["article_id"]),
        ordinal=int(meta["ordinal"]),
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        title=str(meta.get("title", "")),
        source_path=str(meta.get("source_path", "")),
        token_count=int(meta.get("token_count", 0)),
        source=str(meta["source"]) if meta.get("source") else None,
        dateline=str(meta["dateline"]) if meta.get("dateline") else None,
        published=dt.date.fromisoformat(str(published)) if published else None,
    )


@dataclass(frozen=True)
class ScoredChunk:
    chunk: Chunk
    similarity: float  # cosine similarity in [-1, 1]


class ChromaIndex:
    """The Chroma collection, reached through llama-index's ChromaVectorStore."""

    def __init__(self, collection) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.collection = collection
        self.vector_store = ChromaVectorStore(chroma_collection=collection)

    @classmethod
    def open_for_write(cls, settings: Settings) -> ChromaIndex:
        client = make_client(settings, create=True)
        try:
            collection = client.get_or_create_collection(
                settings.collection, configuration=_COSINE, embedding_function=None
            )
        except Exception as exc:
            raise _backend_error(settings, exc) from exc
        return cls(collection)

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
            raise _backend_error(settings, exc) from exc
        return cls(collection)

    @staticmethod
    def drop(settings: Settings) -> None:
        """Delete the whole collection (for --rebuild); missing is fine."""
        client = make_client(settings, create=True)
        try:
            client.delete_collection(settings.collection)
        except Exception as exc:
            if type(exc).__name__ not in ("NotFoundError", "InvalidCollectionException", "ValueError"):
                raise _backend_error(settings, exc) from exc

    def _batch(self) -> int:
        # Chroma limits one call's size; llama-index's own limit is larger than ours.
        return 2000

    def count(self) -> int:
        return self.collection.count()

    def add(self, chunks: Sequence[Chunk], embeddings: np.ndarray, fingerprints: Mapping[str, str]) -> None:
        """Write chunks (replacing any with the same ids: Chroma's add ignores existing ids)."""
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        if not chunks:
            return
        self.delete([c.id for c in chunks])
        nodes = [
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
            got = self.collection.get(include=["metadatas"], limit=page, offset=offset)
            for cid, meta in zip(got["ids"], got["metadatas"] or [], strict=False):
                out[cid] = str((meta or {}).get("fingerprint", ""))
            if len(got["ids"]) < page:
                return out
            offset += page

    def query(self, embedding: np.ndarray, k: int, article_ids: Sequence[str] | None = None,
              date_from: dt.date | None = None, date_to: dt.date | None = None) -> list[ScoredChunk]:
        from llama_index.core.vector_stores.types import (
            FilterOperator,
            MetadataFilter,
            MetadataFilters,
            VectorStoreQuery,
        )

        filters: list[MetadataFilter] = []
        if article_ids is not None:
            filters.append(MetadataFilter(key="article_id", value=list(article_ids), operator=FilterOperator.IN))
        if date_from is not None:
            filters.append(MetadataFilter(key="published_int", value=yyyymmdd(date_from), operator=FilterOperator.GTE))
        if date_to is not None:
            filters.append(MetadataFilter(key="published_int", value=yyyymmdd(date_to), operator=FilterOperator.LTE))
        query = VectorStoreQuery(
            query_embedding=[float(x) for x in embedding],
            similarity_top_k=k,
            filters=MetadataFilters(filters=filters) if filters else None,
        )
        result = self.vector_store.query(query)
        out = []
        for node, similarity in zip(result.nodes or [], result.similarities or [], strict=True):
            # llama-index reports exp(-cosine distance); cosine = 1 - distance.
            cosine = 1.0 + math.log(similarity) if similarity > 0 else -1.0
            meta = node.metadata
            out.append(ScoredChunk(chunk_from_metadata(node.node_id, node.get_content(), meta),
                                   max(-1.0, min(1.0, cosine))))
        return out


def _backend_error(settings: Settings, exc: Exception) -> BackendError:
    return BackendError(
        f"expected Chroma at {settings.index_location} to answer, got {type(exc).__name__}: {exc}",
        fix="check the Chroma server / data dir, then retry",
    )


def _filtered_article_ids(manifest: Manifest, where: SearchFilter) -> set[str] | None:
    """Article ids allowed by the id/source/title parts of a filter (None = no restriction)."""
    allowed: set[str] | None = set(where.article_ids) if where.article_ids else None
    if not (where.sources or where.title_words):
        return allowed
    wanted_sources = [normalize(s) for s in where.sources if s.strip()]
    wanted_words = [w for word in where.title_words for w in words(word)]
    sources = manifest.sources()
    keep = set()
    for article in manifest.articles():
        if allowed is not None and article.id not in allowed:
            continue
        if wanted_sources:
            haystacks = [normalize(article.source or "")] + [
                normalize(p) for p in sources.get(article.id, [article.source_path])
            ]
            if not any(s in h for s in wanted_sources for h in haystacks):
                continue
        if wanted_words and not set(wanted_words) <= set(words(article.title)):
            continue
        keep.add(article.id)
    return keep


class ChromaIndexReader:
    """IndexReader over Chroma (vectors) + the manifest (articles, offsets, status)."""

    def __init__(self, settings: Settings, manifest: Manifest, chroma: ChromaIndex, model: str) -> None:
        self.settings = settings
        self.manifest = manifest
        self.chroma = chroma
        self.embedding_model = model
        self._lock = threading.Lock()
        self._chunks_cache: tuple[str, list[Chunk]] | None = None

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
        k = min(k, max(1, self.chroma.count()))
        scored = self.chroma.query(np.asarray(embedding, dtype=np.float32), k, article_ids, date_from, date_to)
        return [
            Passage(chunk=s.chunk, score=s.similarity, rank=rank, dense_score=s.similarity)
            for rank, s in enumerate(scored, start=1)
        ]

    def all_chunks(self) -> list[Chunk]:
        with self._lock:
            gen = self.manifest.generation()
            if self._chunks_cache is None or self._chunks_cache[0] != gen:
                self._chunks_cache = (gen, self.manifest.chunks())
            return list(self._chunks_cache[1])

    def article(self, article_id: str) -> Article | None:
        with self._lock:
            return self.manifest.article(article_id)

    def articles(self) -> list[Article]:
        with self._lock:
            return self.manifest.articles()

    def status(self) -> IndexStatus:
        with self._lock:
            return _status(self.settings, self.manifest)


def _status(settings: Settings, manifest: Manifest) -> IndexStatus:
    last = manifest.get_meta("last_indexed")
    return IndexStatus(
        articles=manifest.article_count(),
        chunks=manifest.chunk_count(),
        embedding_model=manifest.get_meta("embedding_model") or "",
        location=settings.index_location,
        last_indexed=dt.datetime.fromisoformat(last) if last else None,
        article_titles=manifest.article_titles(),
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
    try:
        chroma = ChromaIndex.open_for_read(settings)
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
