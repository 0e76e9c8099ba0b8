"""Metrics against hand-computed values, including the edge cases that make ratios undefined."""

from __future__ import annotations

import doctest
import math

import pytest

import evals.generate
import evals.metrics
import evals.report
import evals.runner
from evals.metrics import (
    QuestionScore,
    answer_correct,
    citation_precision,
    citation_recall,
    contains_evidence,
    covers_span,
    faithfulness,
    hit_at_k,
    ndcg_at_k,
    normalize_answer,
    percentile,
    reciprocal_rank,
    refusal_precision,
    refusal_recall,
    summarize,
    token_f1,
)


@pytest.mark.parametrize("module", [evals.metrics, evals.report, evals.generate, evals.runner])
def test_docstring_examples(module):
    failed, attempted = doctest.testmod(module)
    assert attempted > 0 and failed == 0


# ------------------------------------------------------------------ answers


def test_normalize_answer_folds_markers_punctuation_articles_and_quotes():
    assert normalize_answer("The “Kurdistan Regional Government” (KRG) [1][2].") == "kurdistan regional government krg"
    assert normalize_answer("Iraq’s 1,500-km border") == "iraq s 1500 km border"


def test_answer_correct_needs_whole_tokens_and_any_variant():
    text = "Tehran set a deadline of September 19 for the KRG to act [1]."
    assert answer_correct(text, ["Kurdistan Regional Government", "KRG"])
    assert not answer_correct(text, ["September 1"])  # a prefix of "19" is not the answer
    assert not answer_correct(text, [])
    assert not answer_correct("", ["KRG"])
    assert not answer_correct(text, ["the"])  # an answer that normalises to nothing never matches


def test_token_f1_hand_computed():
    # pred tokens: [deadline, september, 19, for, krg]; gold: [september, 19]; common 2
    # precision 2/5, recall 2/2 -> F1 = 2 * 0.4 * 1 / 1.4
    assert token_f1("The deadline: September 19, for the KRG.", ["September 19"]) == pytest.approx(0.8 / 1.4)
    assert token_f1("September 19", ["nothing in common", "19 September"]) == 1.0  # best variant wins
    assert token_f1("", ["x"]) == 0.0 and token_f1("x", []) == 0.0


# ------------------------------------------------------------------ relevance and ranking


def test_evidence_containment_ignores_quotes_case_and_whitespace():
    passage = "He said:  “The issue of ground advance\non Iraqi soil is not true.”"
    assert contains_evidence(passage, ['the issue of ground advance on Iraqi soil is not true.'])
    assert not contains_evidence(passage, ["is true"])
    assert not contains_evidence(passage, [])
    assert not contains_evidence(passage, ["   "])  # blank evidence never matches


def test_covers_span_needs_half_of_the_evidence():
    assert covers_span(0, 50, 40, 60)  # exactly half
    assert not covers_span(0, 49, 40, 60)
    assert not covers_span(100, 200, 40, 60)
    assert not covers_span(0, 100, 50, 50)  # empty evidence span


def test_ranking_metrics_hand_computed():
    rel = [False, True, False, True]
    assert hit_at_k(rel, 1) == 0.0 and hit_at_k(rel, 2) == 1.0
    assert reciprocal_rank(rel) == 0.5
    # DCG = 1/log2(3) + 1/log2(5); ideal with 2 relevant = 1 + 1/log2(3)
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(rel, 10) == pytest.approx(expected)
    # three relevant chunks exist in the index: the ideal list is longer, the score lower
    ideal3 = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(rel, 10, total_relevant=3) == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / ideal3)
    # cut-off: a relevant passage beyond k does not count
    assert ndcg_at_k([False, False, True], 2, total_relevant=1) == 0.0


def test_ranking_metrics_with_no_retrieved_passages():
    assert hit_at_k([], 5) == 0.0
    assert reciprocal_rank([]) == 0.0
    assert ndcg_at_k([], 10, total_relevant=2) == 0.0
    assert ndcg_at_k([False, False], 10, total_relevant=0) == 0.0


# ------------------------------------------------------------------ citations and refusals


def test_citation_metrics_hand_computed_and_empty_answers():
    assert citation_precision([True, False, False, True]) == 0.5
    assert citation_precision([]) is None
    # sentence 2 is supported but cites nothing: it does not count for citation recall
    assert citation_recall([1, 0, 1], [True, True, False]) == pytest.approx(1 / 3)
    assert faithfulness([True, True, False]) == pytest.approx(2 / 3)
    assert citation_recall([], []) is None and faithfulness([]) is None


def test_refusal_metrics_with_all_refusals_and_no_unanswerable_items():
    answerable = [True, True, False, False]
    assert refusal_precision([True, True, True, True], answerable) == 0.5
    assert refusal_recall([True, True, True, True], answerable) == 1.0
    assert refusal_precision([False, False, True, False], answerable) == 1.0
    assert refusal_recall([False, False, True, False], answerable) == 0.5
    assert refusal_recall([True, False], [True, True]) is None  # no unanswerable items
    assert refusal_precision([False, False], [True, False]) is None  # nothing refused


def test_percentile_interpolates_and_handles_one_or_no_values():
    assert percentile([100.0], 95) == 100.0
    assert percentile([1, 2, 3, 4, 5], 50) == 3.0
    assert percentile([0, 10], 95) == 9.5
    assert percentile([], 50) is None


# ------------------------------------------------------------------ aggregation


def _q(item_id: str, answerable: bool = True, **kw) -> QuestionScore:
    return QuestionScore(item_id=item_id, category="single" if answerable else "unanswerable",
                         answerable=answerable, question="?", expected="x", **kw)


def test_summarize_hand_computed_mix():
    scores = [
        _q("a", retrieval_measured=True, relevance=(True, False), total_relevant=1, answered=True, correct=True,
           f1=1.0, citation_ok=(True, False), sentence_cites=(1, 1), sentence_supported=(True, False), latency_ms=10),
        _q("b", retrieval_measured=True, relevance=(), total_relevant=1, answered=True, refused=True,
           correct=False, f1=0.0, latency_ms=30),
        _q("u", answerable=False, answered=True, refused=True, latency_ms=20),
        _q("v", answerable=False, answered=True, refused=False, citation_ok=(True,), sentence_cites=(1,),
           sentence_supported=(True,), latency_ms=40),
    ]
    s = summarize(scores)
    assert (s.questions, s.answerable, s.unanswerable) == (4, 2, 2)
    assert s.hit_at_1 == 0.5 and s.mrr == 0.5  # "b" retrieved nothing: it counts as a miss
    assert s.answer_accuracy == 0.5 and s.token_f1 == 0.5
    assert s.false_refusal_rate == 0.5
    # refusals have no claims: precision/recall/faithfulness over "a" and "v" only
    assert s.citation_precision == pytest.approx((0.5 + 1.0) / 2)
    assert s.citation_recall == pytest.approx((0.5 + 1.0) / 2)
    assert s.faithfulness == pytest.approx((0.5 + 1.0) / 2)
    assert s.refusal_precision == 0.5 and s.refusal_recall == 0.5
    assert s.latency_p50_ms == 25.0 and s.latency_p95_ms == pytest.approx(38.5)
    assert s.judge_correctness is None and s.judge_failures == 0


def test_summarize_all_refusals_and_no_unanswerable_items():
    scores = [_q(str(i), answered=True, refused=True, correct=False, f1=0.0) for i in range(3)]
    s = summarize(scores)
    assert s.answer_accuracy == 0.0 and s.false_refusal_rate == 1.0
    assert s.citation_precision is None and s.faithfulness is None  # nothing was claimed
    assert s.refusal_recall is None  # no unanswerable items
    assert s.refusal_precision == 0.0
    assert s.hit_at_5 is None  # retrieval was not measured


def test_summarize_retrieval_only_and_empty_input():
    s = summarize([_q("a", retrieval_measured=True, relevance=(False, True)), _q("u", answerable=False)])
    assert s.hit_at_1 == 0.0 and s.hit_at_3 == 1.0
    assert s.answer_accuracy is None and s.refusal_recall is None and s.latency_p50_ms is None
    empty = summarize([])
    assert empty.questions == 0 and empty.hit_at_5 is None and empty.answer_accuracy is None


def test_judge_failures_are_counted_not_dropped():
    scores = [_q("a", answered=True, correct=True, judge_correct=True, judge_faithful=True),
              _q("b", answered=True, correct=True, judge_failed=True),
              _q("c", answered=True, correct=False, judge_correct=False, judge_faithful=True)]
    s = summarize(scores)
    assert s.judge_failures == 1
    assert s.judge_correctness == 0.5 and s.judge_faithfulness == 1.0


def test_failed_flags_what_belongs_in_the_failures_table():
    assert _q("a", answered=True, correct=False).failed
    assert not _q("a", answered=True, correct=True).failed
    assert _q("u", answerable=False, answered=True, refused=False).failed
    assert not _q("u", answerable=False, answered=True, refused=True).failed
    assert _q("r", retrieval_measured=True, relevance=(False,) * 6).failed
    assert not _q("r", retrieval_measured=True, relevance=(False, True)).failed
    assert _q("e", answered=True, correct=True, error="InputError: too long").failed
