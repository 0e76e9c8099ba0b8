"""The lexical side of retrieval: a BM25 index over every chunk, cached per index generation.

`LexicalIndex` wraps `bm25s` (the library llama-index's BM25Retriever wraps) but
tokenises with `newsrag.text.content_terms`, so the stems and stopwords BM25 matches
are exactly the ones the offline answerer and the checker compare. It also keeps
document frequencies, so the answerer can weight question terms by IDF over the
same corpus.

`LexicalCache` builds the index once from `IndexReader.all_chunks()` and rebuilds it
only when `IndexReader.generation()` changes; it is safe to share between threads
(the UI serves several users at once): readers of an old index keep a consistent
snapshot while a new one is built.

Deliberately left out: persisting the BM25 index. Building it from chunks is about
a second for 10,000 chunks, and a persisted copy could drift from Chroma.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newsrag.protocols import IndexReader
from newsrag.text import content_terms
from newsrag.types import Chunk


@dataclass(frozen=True)
class LexicalHit:
    """One chunk found by BM25, with its position in `LexicalIndex.chunks`."""

    position: int
    chunk: Chunk
    score: float


class LexicalIndex:
    """BM25 over `Chunk.embedding_text` (title + body) of a fixed list of chunks."""

    def __init__(self, chunks: Sequence[Chunk], generation: str = "") -> None:
        import bm25s  # imported here: only needed once an index exists

        self.chunks: tuple[Chunk, ...] = tuple(chunks)
        self.generation = generation
        self.positions = {c.id: i for i, c in enumerate(self.chunks)}
        corpus = [content_terms(c.embedding_text) or [""] for c in self.chunks]
        df: Counter[str] = Counter()
        for terms in corpus:
            df.update(set(terms))
        self._df = df
        self.size = len(self.chunks)
        self._bm25 = None
        if self.chunks:
            self._bm25 = bm25s.BM25()
            self._bm25.index(corpus, show_progress=False)

    def idf(self, term: str) -> float:
        """BM25 (Lucene) inverse document frequency of a stemmed term; unseen terms get the maximum."""
        n = self.size
        d = self._df.get(term, 0)
        return math.log(1.0 + (n - d + 0.5) / (d + 0.5))

    def document_frequency(self, term: str) -> int:
        return self._df.get(term, 0)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros when no query term is known)."""
        if self._bm25 is None:
            return np.zeros(0, dtype=np.float32)
        ids = self._bm25.get_tokens_ids(content_terms(query))
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[LexicalHit]:
        """Top-k chunks with a positive score; `allowed` is a boolean mask (post-filtering)."""
        scores = self.scores(query)
        if scores.size == 0 or k <= 0:
            return []
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        positive = int(np.count_nonzero(scores > 0))
        k = min(k, positive)
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        # ties broken by position so that results are stable across runs
        top = sorted(top.tolist(), key=lambda i: (-float(scores[i]), i))
        return [LexicalHit(i, self.chunks[i], float(scores[i])) for i in top]


class LexicalCache:
    """The current `LexicalIndex` for a reader, rebuilt when the reader's generation changes."""

    def __init__(self, reader: IndexReader) -> None:
        self._reader = reader
        self._index: LexicalIndex | None = None
        self._lock = threading.Lock()
        self.builds = 0  # how many times the index was (re)built: observable in tests

    @property
    def reader(self) -> IndexReader:
        return self._reader

    def set_reader(self, reader: IndexReader) -> None:
        with self._lock:
            self._reader = reader
            self._index = None

    def get(self) -> LexicalIndex:
        generation = self._reader.generation()
        current = self._index
        if current is not None and current.generation == generation:
            return current
        with self._lock:  # one thread builds; the others wait for its result
            current = self._index
            generation = self._reader.generation()
            if current is None or current.generation != generation:
                current = LexicalIndex(self._reader.all_chunks(), generation)
                self._index = current
                self.builds += 1
            return current
