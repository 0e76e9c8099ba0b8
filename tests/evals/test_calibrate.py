"""Threshold sweep and suggestion: hand-computed cases."""

from __future__ import annotations

import doctest

import evals.calibrate
from evals.calibrate import ScoredItem, suggest, sweep
from evals.gold import GoldItem


def _item(answerable: bool, n: int) -> GoldItem:
    return GoldItem(f"i{n}", "q?", answerable, ("a",) if answerable else (), ())


def test_doctests():
    failed, attempted = doctest.testmod(evals.calibrate)
    assert attempted > 0 and failed == 0


def test_sweep_counts_answers_and_refusals():
    scored = [
        ScoredItem(_item(True, 1), 0.9, True),
        ScoredItem(_item(True, 2), 0.5, False),  # answered wrongly whenever it is answered
        ScoredItem(_item(True, 3), 0.45, True),
        ScoredItem(_item(False, 4), 0.4, False),
        ScoredItem(_item(False, 5), 0.0, False),  # no gated sentence: always refused
    ]
    low, mid, high = sweep(scored, [0.3, 0.42, 0.6])
    assert (low.answer_accuracy, low.refusal_recall, low.refusal_precision, low.overall) == (2 / 3, 0.5, 1.0, 0.6)
    assert (mid.answer_accuracy, mid.refusal_recall, mid.overall) == (2 / 3, 1.0, 0.8)
    assert (high.answer_accuracy, high.refusal_recall, high.refusal_precision) == (1 / 3, 1.0, 0.5)


def test_suggest_takes_the_highest_threshold_of_the_best_plateau_meeting_recall():
    scored = [ScoredItem(_item(True, 1), 0.9, True), ScoredItem(_item(False, 2), 0.3, False)]
    rows = sweep(scored, [0.2, 0.4, 0.6, 0.8, 0.95])
    assert suggest(rows).threshold == 0.8
    assert suggest(sweep(scored, [0.1, 0.2])) is None  # no value refuses the unanswerable item
