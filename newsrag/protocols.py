"""The three places a backend plugs in: embedder, index reader (store), chat model.

Implementations: `index/embedder.py` (sentence-transformers), `index/store.py`
(Chroma through llama-index), `rag/llm.py` (OpenAI-compatible, llama.cpp).
Tests use the fakes in `tests/conftest.py`, which implement these same protocols.

Deliberately left out: a protocol for anything with only one implementation.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import numpy as np

from newsrag.types import Article, Chunk, IndexStatus, Passage, SearchFilter


class Embedder(Protocol):
    name: str  # recorded in the index; a different name on an existing index is an error
    dimension: int

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dimension), rows L2-normalised."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """float32 array (dimension,), L2-normalised."""
        ...


class IndexReader(Protocol):
    """The read side of the index, all that `rag/` may touch."""

    def generation(self) -> str:
        """Changes whenever the index content changes (cheap to call on every query)."""
        ...

    def count(self) -> int: ...

    def dense_search(self, embedding: np.ndarray, k: int, where: SearchFilter | None) -> list[Passage]:
        """Top-k chunks by cosine similarity; Passage.dense_score set, rank 1-based."""
        ...

    def all_chunks(self) -> list[Chunk]:
        """Every chunk (for the lexical index), in a stable order."""
        ...

    def article(self, article_id: str) -> Article | None: ...

    def articles(self) -> list[Article]: ...

    def status(self) -> IndexStatus: ...


class ChatModel(Protocol):
    """A text-completion LLM behind an adapter (llama-index LLM classes inside)."""

    name: str

    def complete(self, system: str, prompt: str) -> str: ...

    def stream(self, system: str, prompt: str) -> Iterator[str]:
        """Yields text deltas. Raises newsrag.errors.BackendError on failure or timeout."""
        ...
