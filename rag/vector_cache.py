"""An Embedder wrapper that remembers document vectors by text; queries pass through.

The offline answerer embeds its few best candidate sentences on every question, which
costs about twice the query embedding. A vector depends only on its text, and related
questions and follow-ups bring back the same passages, so each sentence is embedded once.

Deliberately left out: caching query vectors (every question is new text) and any
persistence (the cache lives as long as the Assistant).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from newsrag.protocols import Embedder


class DocumentVectorCache:
    """An Embedder that remembers document vectors by text (bounded LRU); queries pass through."""

    def __init__(self, inner: Embedder, max_items: int = 8192) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.max_items = max_items
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for t in texts:
                vec = self._vectors.get(t)
                if vec is not None:
                    self._vectors.move_to_end(t)
                    found[t] = vec
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            fresh = self.inner.embed_documents(missing)
            with self._lock:
                for t, vec in zip(missing, fresh, strict=True):
                    found[t] = self._vectors[t] = np.asarray(vec, dtype=np.float32)
                while len(self._vectors) > self.max_items:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)
