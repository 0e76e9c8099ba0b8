"""Hybrid retrieval: dense search through the IndexReader fused with BM25, then dedup.

Each side returns `candidate_k` chunks; the lists are fused by reciprocal-rank fusion
(score = sum of 1 / (rrf_k + rank) over the sides that found a chunk), optionally
reranked by a cross-encoder, near-duplicates dropped, and the first `top_k` returned.
`mode` ("dense", "bm25", "hybrid") selects the sides, so the eval suite can measure
what fusion buys.

Filters apply to both sides: the dense side passes the SearchFilter to the reader
(which turns it into a Chroma `where`) and re-checks the results here; the BM25 side
masks chunks that do not match before taking its top-k.

Deliberately left out: query expansion and learned fusion weights. RRF needs no
score calibration between cosine and BM25, which is what makes it robust on an
unseen corpus.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import get_args

import numpy as np

from newsrag.errors import InputError
from newsrag.filters import date_matches
from newsrag.protocols import Embedder, IndexReader, Reranker
from newsrag.settings import Settings
from newsrag.tuning import RetrievalTuning
from newsrag.types import Chunk, Passage, RetrievalMode, SearchFilter
from rag.retrieval.keyword_index import LexicalCache, LexicalIndex
from rag.retrieval.near_duplicates import drop_near_duplicates

MODES: tuple[str, ...] = get_args(RetrievalMode)


@dataclass(frozen=True, eq=False)
class Retrieval:
    """The passages found for one query and what finding them cost."""

    query: str
    passages: tuple[Passage, ...]
    embed_ms: float
    search_ms: float
    query_embedding: np.ndarray | None = field(default=None, repr=False)
    filter_matches_nothing: bool = False  # a filter was given and no indexed article passes it


def chunk_allowed(chunk: Chunk, allowed: frozenset[str] | None, where: SearchFilter | None) -> bool:
    """Whether a chunk passes the filter: its article is one the index reader matched
    (`IndexReader.matching_articles`, by newsrag/filters.py), its date in the range."""
    if where is None or where.empty:
        return True
    return (allowed is None or chunk.article_id in allowed) and date_matches(where, chunk.published)


def rrf_fuse(ranked_lists: Sequence[Sequence[str]], rrf_k: int) -> dict[str, float]:
    """Reciprocal-rank fusion of several rankings of chunk ids (rank 1 first)."""
    fused: dict[str, float] = {}
    for ranking in ranked_lists:
        for rank, cid in enumerate(ranking, start=1):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (rrf_k + rank)
    return fused


class HybridRetriever:
    """Dense + BM25 retrieval over one IndexReader; thread-safe, BM25 cached per generation."""

    def __init__(self, reader: IndexReader, embedder: Embedder, tuning: RetrievalTuning, *,
                 reranker: Reranker | None = None) -> None:
        self.embedder = embedder
        self.tuning = tuning
        self.top_k = tuning.top_k
        self.candidate_k = tuning.candidate_k
        self.rrf_k = tuning.rrf_k
        self.reranker = reranker
        self.lexical = LexicalCache(reader)

    @classmethod
    def from_settings(cls, settings: Settings, reader: IndexReader, embedder: Embedder,
                      reranker: Reranker | None = None) -> HybridRetriever:
        return cls(reader, embedder, RetrievalTuning.from_settings(settings), reranker=reranker)

    @property
    def reader(self) -> IndexReader:
        return self.lexical.reader

    def set_reader(self, reader: IndexReader) -> None:
        self.lexical.set_reader(reader)

    def lexical_index(self) -> LexicalIndex:
        return self.lexical.get()

    def idf(self, term: str) -> float:
        return self.lexical.get().idf(term)

    def retrieve(
        self,
        query: str,
        *,
        top_k: int | None = None,
        where: SearchFilter | None = None,
        mode: RetrievalMode,
        query_embedding: np.ndarray | None = None,
    ) -> Retrieval:
        if mode not in MODES:
            raise InputError(f"expected a retrieval mode in {MODES}, got {mode!r}",
                             fix="use 'hybrid' (the default of NEWSRAG_RETRIEVAL_MODE)")
        k = top_k or self.top_k
        where = None if where is None or where.empty else where
        embed_ms = 0.0
        if mode != "bm25" and query_embedding is None:
            t0 = time.perf_counter()
            query_embedding = self.embedder.embed_query(query)
            embed_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        allowed = None if where is None else self.reader.matching_articles(where)
        if allowed is not None and not allowed:
            return Retrieval(query, (), embed_ms, (time.perf_counter() - t0) * 1000, query_embedding, True)
        passages = self._search(query, query_embedding, k, where, allowed, mode)
        search_ms = (time.perf_counter() - t0) * 1000
        return Retrieval(query, tuple(passages), embed_ms, search_ms, query_embedding)

    def _search(
        self, query: str, embedding: np.ndarray | None, k: int, where: SearchFilter | None,
        allowed: frozenset[str] | None, mode: RetrievalMode
    ) -> list[Passage]:
        lexical = self.lexical.get()
        dense: list[Passage] = []
        if mode != "bm25" and embedding is not None:
            found = self.reader.dense_search(embedding, self.candidate_k, where)
            dense = [p for p in found if chunk_allowed(p.chunk, allowed, where)]
        # Scored once: the BM25 side's top-k and every passage's lexical score come from the same array.
        lexical_scores = lexical.scores(query)
        hits = []
        if mode != "dense" and lexical_scores.size:
            # `allowed` already holds the date range: an article's chunks carry its date.
            mask = None if allowed is None else lexical.article_mask(allowed)
            hits = lexical.top_k(lexical_scores, self.candidate_k, mask)

        chunk_of: dict[str, Chunk] = {p.chunk.id: p.chunk for p in dense}
        # The BM25 side knows ids; its chunks come from the index (one that left it since is dropped).
        chunk_of.update(self.reader.chunks([h.chunk_id for h in hits if h.chunk_id not in chunk_of]))
        hits = [h for h in hits if h.chunk_id in chunk_of]
        dense_score = {p.chunk.id: p.dense_score if p.dense_score is not None else p.score for p in dense}

        def lex(cid: str) -> float | None:
            pos = lexical.position(cid)
            if pos is None or pos >= lexical_scores.size:
                return None
            return float(lexical_scores[pos])

        if mode == "dense":
            fused = {p.chunk.id: dense_score[p.chunk.id] for p in dense}
        elif mode == "bm25":
            fused = {h.chunk_id: h.score for h in hits}
        else:
            fused = rrf_fuse([[p.chunk.id for p in dense], [h.chunk_id for h in hits]], self.rrf_k)
        order = sorted(fused, key=lambda cid: (-fused[cid], cid))
        ranked = [
            Passage(chunk_of[cid], fused[cid], i + 1, dense_score.get(cid), lex(cid))
            for i, cid in enumerate(order)
        ]
        if self.reranker is not None and ranked:
            t = self.tuning
            head = ranked[: max(t.rerank_depth_factor * k, min(self.candidate_k, t.rerank_depth_floor))]
            ranked = list(self.reranker.rerank(query, head))
        return drop_near_duplicates(ranked, threshold=self.tuning.duplicate_containment, limit=k)
