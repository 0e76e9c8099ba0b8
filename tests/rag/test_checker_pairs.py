"""Gates the support checker on the labelled pairs in evals/checker_pairs.jsonl.

The gates are set just under what was measured (see `python -m evals.checker_eval`):
precision of "supported" 0.929 and recall 1.0 on 158 pairs, contradicted date, number and
name caught 100%. A change that lets contradictions through fails here.
"""

from __future__ import annotations

from collections import Counter

import pytest

from evals.checker_eval import CATEGORIES, PAIRS_PATH, evaluate, generate_pairs, load_pairs, seed_passages
from rag.checking.support_checker import SupportChecker


@pytest.fixture(scope="module")
def pairs():
    return load_pairs(PAIRS_PATH)


def test_pairs_file_is_big_balanced_and_reproducible(pairs) -> None:
    assert len(pairs) >= 120
    counts = Counter(p.category for p in pairs)
    assert set(counts) == set(CATEGORIES)
    assert min(counts.values()) >= 15, counts
    assert counts["supported-paraphrase"] >= 30  # written by hand
    generated = [p for p in pairs if p.origin == "generated"]
    assert generated == generate_pairs(seed_passages()), "run `python -m evals.checker_eval --write`"
    for p in pairs:
        assert p.supported == p.category.startswith("supported"), p


def _gate(scores) -> None:
    assert scores.precision >= 0.9, scores
    assert scores.recall >= 0.95, scores
    for category in ("contradicted-date", "contradicted-number", "contradicted-name", "unrelated",
                     "supported-verbatim"):
        assert scores.accuracy_by_category[category][0] >= 0.95, (category, scores)
    assert scores.accuracy_by_category["partially-supported"][0] >= 0.85, scores
    assert scores.accuracy_by_category["role-reversed"][0] >= 0.7, scores


def test_heuristic_without_embedder_meets_gates(pairs) -> None:
    _gate(evaluate(SupportChecker(), pairs))


def test_heuristic_with_packaged_minilm_meets_gates(pairs) -> None:
    from index.embedder import load_index_embedder
    from newsrag.settings import Settings

    _gate(evaluate(SupportChecker(embedder=load_index_embedder(Settings())), pairs))
