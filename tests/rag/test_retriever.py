"""Hybrid retrieval over the FakeIndexReader: fusion modes, filters, dedup, BM25 caching."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from newsrag.errors import InputError
from newsrag.tuning import RetrievalTuning
from newsrag.types import Passage, SearchFilter
from rag.retrieval.hybrid_retriever import HybridRetriever, rrf_fuse
from rag.retrieval.keyword_index import LexicalIndex
from rag.retrieval.near_duplicates import drop_near_duplicates
from tests.rag.conftest import article_id_of

DEADLINE_Q = "What was the September 19 deadline?"


def _retriever(reader, **kw) -> HybridRetriever:
    tuning = RetrievalTuning(top_k=kw.pop("top_k", 6), candidate_k=30, rrf_k=60)
    return HybridRetriever(reader, reader.embedder, tuning, **kw)


def test_hybrid_puts_the_deadline_chunk_first(fake_reader, seed_articles):
    result = _retriever(fake_reader).retrieve(DEADLINE_Q, mode="hybrid")
    assert result.passages[0].chunk.article_id == article_id_of(seed_articles, "003")
    assert "deadline of September 19" in result.passages[0].chunk.text
    assert [p.rank for p in result.passages] == list(range(1, len(result.passages) + 1))
    assert len(result.passages) <= 6


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_every_mode_returns_ranked_passages(fake_reader, mode):
    passages = _retriever(fake_reader).retrieve(DEADLINE_Q, mode=mode, top_k=3).passages
    assert 1 <= len(passages) <= 3
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True)
    if mode == "bm25":
        assert all(p.lexical_score and p.lexical_score > 0 for p in passages)
    if mode == "dense":
        assert all(p.dense_score is not None for p in passages)


def test_unknown_mode_is_an_input_error(fake_reader):
    with pytest.raises(InputError, match="expected a retrieval mode"):
        _retriever(fake_reader).retrieve("x", mode="sparse")


def test_rrf_rewards_agreement():
    fused = rrf_fuse([["a", "b", "c"], ["b", "a", "d"]], rrf_k=60)
    assert fused["a"] == fused["b"] > fused["c"] == fused["d"]


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_article_filter_applies_to_both_sides(fake_reader, seed_articles, mode):
    only = article_id_of(seed_articles, "000")
    passages = _retriever(fake_reader).retrieve(DEADLINE_Q, where=SearchFilter(article_ids=(only,)),
                                                mode=mode).passages
    assert passages and {p.chunk.article_id for p in passages} == {only}


def test_source_title_and_date_filters(fake_reader, seed_articles):
    r = _retriever(fake_reader)
    by_source = r.retrieve("border security", where=SearchFilter(sources=("TEHRANTIMES",)), mode="hybrid").passages
    assert by_source and all(p.chunk.source == "Tehrantimes" for p in by_source)
    by_title = r.retrieve("ground operation", where=SearchFilter(title_words=("Qaani",)), mode="hybrid").passages
    assert by_title and all("Qaani" in p.chunk.title for p in by_title)
    import datetime as dt

    # the seeds carry no publication date: a date range excludes undated articles
    assert r.retrieve("border", where=SearchFilter(date_from=dt.date(2000, 1, 1)), mode="hybrid").passages == ()


def test_a_filter_no_article_matches_is_reported_as_such(fake_reader):
    got = _retriever(fake_reader).retrieve("border", where=SearchFilter(sources=("Nowhere Times",)), mode="hybrid")
    assert got.passages == () and got.filter_matches_nothing
    found = _retriever(fake_reader).retrieve("border", mode="hybrid")
    assert found.passages and not found.filter_matches_nothing


def test_near_duplicate_from_another_outlet_is_shown_once(seed_articles, seed_chunks, hash_embedder):
    from tests.fakes import FakeIndexReader

    original = next(c for c in seed_chunks if "deadline of September 19" in c.text)
    copy = dataclasses.replace(original, id="wire-copy", article_id="wire", source="Wire", source_path="wire.txt")
    reader = FakeIndexReader(seed_articles, [*seed_chunks, copy], hash_embedder)
    passages = _retriever(reader).retrieve(DEADLINE_Q, mode="hybrid").passages
    texts = [p.chunk.text for p in passages]
    assert texts.count(original.text) == 1


def test_dedup_drops_contained_and_overlapping_passages(seed_chunks):
    big = seed_chunks[0]
    half = dataclasses.replace(big, id="half", text=big.text[: len(big.text) // 2], end=big.start + len(big.text) // 2)
    other = seed_chunks[-1]
    ps = [Passage(c, 1.0 - i / 10, i + 1) for i, c in enumerate([big, half, other])]
    kept = drop_near_duplicates(ps)
    assert [p.chunk.id for p in kept] == [big.id, other.id]
    assert [p.rank for p in kept] == [1, 2]


def test_bm25_is_built_once_and_rebuilt_on_generation_change(fake_reader, seed_articles, seed_chunks):
    r = _retriever(fake_reader)
    r.retrieve(DEADLINE_Q, mode="hybrid")
    r.retrieve("ground operation", mode="hybrid")
    assert r.lexical.builds == 1 and fake_reader.all_chunks_calls == 1
    extra = dataclasses.replace(seed_chunks[0], id="new-chunk", article_id="new",
                                text="Zanzibar ferry timetable changed.", end=seed_chunks[0].start + 33)
    fake_reader.bump(seed_articles, [*seed_chunks, extra])
    hits = r.retrieve("Zanzibar ferry", mode="bm25").passages
    assert r.lexical.builds == 2
    assert hits[0].chunk.id == "new-chunk"


def test_bm25_cache_is_thread_safe(fake_reader):
    r = _retriever(fake_reader)
    errors: list[BaseException] = []

    def work():
        try:
            assert r.retrieve("security deal Baghdad", mode="hybrid").passages
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and r.lexical.builds == 1


def test_lexical_index_idf_and_unknown_terms(seed_chunks):
    index = LexicalIndex(seed_chunks)
    assert index.idf("deadlin") > index.idf("iran")
    assert index.search("qwertyuiop", 5) == []
    assert LexicalIndex([]).search("anything", 5) == []


def test_retrieval_scores_bm25_once_per_question(fake_reader, hash_embedder, monkeypatch):
    """The BM25 side's top-k and the passages' lexical scores come from one scoring pass."""
    r = HybridRetriever(fake_reader, hash_embedder, RetrievalTuning(top_k=6, candidate_k=30, rrf_k=60))
    index = r.lexical_index()
    assert index.top_k(index.scores("September 19 deadline"), 5) == index.search("September 19 deadline", 5)
    calls = []
    real_scores = LexicalIndex.scores
    monkeypatch.setattr(LexicalIndex, "scores", lambda self, q: calls.append(q) or real_scores(self, q))
    passages = r.retrieve("September 19 deadline", mode="hybrid").passages
    assert calls == ["September 19 deadline"]
    assert passages and all(p.lexical_score is not None for p in passages)
