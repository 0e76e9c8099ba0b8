"""The reference point: what plain llama-index retrieval gives on the same articles.

A `VectorStoreIndex` over its own Chroma collection, built from the same cleaned
articles with llama-index's default `SentenceSplitter` and queried with
`similarity_top_k=2` (the library defaults), embedding with the very same model as the
product (our Embedder wrapped as a llama-index `BaseEmbedding`). Nodes come back as
`Passage`s whose offsets index the cleaned article text, so the same relevance rule
scores both.

Deliberately left out: answering. The baseline is scored on retrieval only; the
product's answerer is what the other configurations add. No llama-index `Settings.*`
globals are touched: the embed model and splitter are passed explicitly.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from newsrag.protocols import Embedder
from newsrag.types import Article, Chunk, Passage

if TYPE_CHECKING:  # llama-index and chromadb load only when a baseline is built
    from chromadb.api.models.Collection import Collection
    from llama_index.core.embeddings import BaseEmbedding
    from llama_index.core.schema import BaseNode

BASELINE_TOP_K = 2
BASELINE_COLLECTION = "llamaindex_baseline"


def wrap_embedder(embedder: Embedder, embed_batch_size: int = 64) -> BaseEmbedding:
    """Our Embedder as a llama-index BaseEmbedding (built lazily: llama-index imports are slow)."""
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class _WrappedEmbedding(BaseEmbedding):
        _inner: Embedder = PrivateAttr()

        def __init__(self, inner: Embedder) -> None:
            super().__init__(model_name=inner.name, embed_batch_size=embed_batch_size)
            self._inner = inner

        # NumPy types tolist() as Any: the annotations say what it gives for these float arrays.
        def _get_query_embedding(self, query: str) -> list[float]:
            vector: list[float] = self._inner.embed_query(query).tolist()
            return vector

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embeddings([text])[0]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            vectors: list[list[float]] = self._inner.embed_documents(texts).tolist()
            return vectors

    return _WrappedEmbedding(embedder)


def _offsets(node: BaseNode) -> tuple[int | None, int | None]:
    """A text node's character offsets in its document (the splitter's nodes are text nodes)."""
    from llama_index.core.schema import TextNode

    return (node.start_char_idx, node.end_char_idx) if isinstance(node, TextNode) else (None, None)


class LlamaIndexBaseline:
    """Build once over the articles, then `retrieve(query)` -> ranked Passages (top 2)."""

    def __init__(self, articles: Sequence[Article], embedder: Embedder, chroma_dir: Path,
                 top_k: int = BASELINE_TOP_K) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from llama_index.core import Document, StorageContext, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.top_k = top_k
        self._articles = {a.id: a for a in articles}
        client = chromadb.PersistentClient(path=str(chroma_dir), settings=ChromaSettings(anonymized_telemetry=False))
        with contextlib.suppress(Exception):  # an absent collection: nothing to reset
            client.delete_collection(BASELINE_COLLECTION)
        collection = client.create_collection(BASELINE_COLLECTION)
        store = ChromaVectorStore(chroma_collection=collection)
        ids_only = ["article_id", "source_path"]
        documents = [
            Document(text=a.text, doc_id=a.id,
                     metadata={"title": a.title, "article_id": a.id, "source_path": a.source_path},
                     excluded_embed_metadata_keys=ids_only, excluded_llm_metadata_keys=ids_only)
            for a in articles
        ]
        self._index = VectorStoreIndex.from_documents(
            documents,
            storage_context=StorageContext.from_defaults(vector_store=store),
            embed_model=wrap_embedder(embedder),
            transformations=[SentenceSplitter()],
        )
        self._retriever = self._index.as_retriever(similarity_top_k=top_k)
        self.chunks = self._all_chunks(collection)

    def _to_chunk(self, node_id: str, text: str, meta: Mapping[str, object], start: int | None, end: int | None
                  ) -> Chunk:
        article_id = str(meta.get("article_id", ""))
        article = self._articles.get(article_id)
        if start is None or end is None:  # offsets lost: locate the text instead
            found = article.text.find(text) if article else -1
            start, end = (found, found + len(text)) if found >= 0 else (-1, -1)
        return Chunk(id=node_id, article_id=article_id, ordinal=0, text=text, start=start, end=end,
                     title=str(meta.get("title", "")), source_path=str(meta.get("source_path", "")), token_count=0)

    def _all_chunks(self, collection: Collection) -> tuple[Chunk, ...]:
        """Every node of the baseline index (for nDCG's count of relevant chunks)."""
        got = collection.get(include=["documents", "metadatas"])  # the only read-all Chroma offers
        out = []
        for node_id, text, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True):
            fields = dict(meta or {})
            try:  # llama-index keeps the node (offsets included) as JSON in "_node_content"
                node = json.loads(str(fields.get("_node_content", "{}")))
            except json.JSONDecodeError:
                node = {}
            out.append(self._to_chunk(node_id, text or "", fields, node.get("start_char_idx"),
                                      node.get("end_char_idx")))
        return tuple(out)

    def retrieve(self, query: str) -> tuple[Passage, ...]:
        out = []
        for rank, hit in enumerate(self._retriever.retrieve(query), 1):
            node = hit.node
            chunk = self._to_chunk(node.node_id, node.get_content(), dict(node.metadata), *_offsets(node))
            score = float(hit.score) if hit.score is not None else 0.0
            out.append(Passage(chunk=chunk, score=score, rank=rank, dense_score=score))
        return tuple(out)
