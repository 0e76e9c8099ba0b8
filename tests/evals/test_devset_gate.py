"""CI gate on the development test split: articles and questions nothing was trained, fitted or chosen on.

Real parts throughout: the packaged MiniLM model, on-disk Chroma in a tmp dir with every
development article (the fit and validation ones as distractors), the real retriever,
the packaged feature scorer, the packaged ONNX sentence reader and its fitted combination.
One run per session; each threshold is its own test so a regression names what fell. The
product's answerer must also stay ahead of the feature answerer it replaced (frozen in
`evals/baselines/`) and of the plain top-sentences baseline on overall accuracy.
"""

from __future__ import annotations

import pytest

from evals.compare import run, summarize, write_report
from evals.devset import items_in, load_collections, split_of
from evals.fit import prepare
from newsrag.settings import Settings

# Measured on the test split when the reader and its combination were last fitted (see README);
# never lowered silently. Measured 2026-12-05: accuracy 0.736, cited 0.749, refusal recall 0.608,
# overall 0.698, false refusal 0.098, evidence in top-k 0.984 (625 questions, 185 articles).
# Retrained 2026-12-06 on 2.8 times the fit questions, with the combination and its refusal
# threshold chosen on a validation split 2.7 times as large (all choices made there, none
# here): accuracy 0.688, cited 0.702, refusal recall 0.677, overall 0.685, false refusal 0.173.
# The refusal threshold chosen on validation moved from 0.30 to 0.41, so answerable questions
# are refused more often and unanswerable ones less often answered; when it answers, the
# quoted sentence is right more often (0.849 of answered answerable questions, against 0.830).
# Accuracy, cited and false refusal were loosened to the new measurement on purpose, refusal
# recall raised. The frozen feature answerer scores 0.626 overall, the top-3 baseline 0.550.
# 2026-12-07, the news phase retrained with a listwise loss (chosen on validation): accuracy
# 0.693, cited 0.704, refusal recall 0.694, overall 0.693, false refusal 0.160; thresholds kept.
# About ten questions of slack each.
THRESHOLDS = {
    "accuracy": 0.66,
    "cited_right": 0.67,
    "refusal_recall": 0.62,
    "overall": 0.66,
    "evidence_in_top_k": 0.97,
}
MAX_FALSE_REFUSAL = 0.20


@pytest.fixture(scope="session")
def devset_run(tmp_path_factory):
    settings = prepare(Settings(data_dir=tmp_path_factory.mktemp("dev-data")), tmp_path_factory.mktemp("dev-ws"), None)
    items = items_in(load_collections(), "test")
    rows = run(settings, items, names=("fitted", "features-v1", "baseline"))
    out = tmp_path_factory.mktemp("dev-report")
    write_report(out, rows, items)
    names = ("fitted", "features-v1", "baseline")
    return {name: summarize(name, [r for r in rows if r.answerer == name]) for name in names}, out


def test_the_test_split_holds_no_fitting_or_validation_article():
    for c in load_collections():
        for item in c.items:
            assert split_of(item.article) in ("fit", "validation", "test")
    by_split = {s: {i.article for i in items_in(load_collections(), s)} for s in ("fit", "validation", "test")}
    assert all(by_split.values())
    assert not by_split["test"] & (by_split["fit"] | by_split["validation"])
    assert not by_split["fit"] & by_split["validation"]


@pytest.mark.parametrize("metric", sorted(THRESHOLDS))
def test_fitted_answerer_meets_threshold(devset_run, metric):
    summaries, out = devset_run
    value = getattr(summaries["fitted"], metric)
    assert value >= THRESHOLDS[metric], f"{metric} = {value} < {THRESHOLDS[metric]} (see {out / 'report.md'})"


def test_false_refusals_stay_low(devset_run):
    summaries, out = devset_run
    assert summaries["fitted"].false_refusal <= MAX_FALSE_REFUSAL, out / "report.md"


def test_fitted_answerer_beats_the_answerer_it_replaced_and_the_baseline(devset_run):
    summaries, _ = devset_run
    assert summaries["fitted"].overall > summaries["features-v1"].overall
    assert summaries["fitted"].overall > summaries["baseline"].overall
