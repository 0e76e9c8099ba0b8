"""CI gate: the default product configuration on the curated seeds set must stay above thresholds.

Real parts throughout: the packaged MiniLM model, on-disk Chroma in a tmp dir, the real
Assistant. The evaluation runs once per session; each threshold is its own test so a
regression names the metric that fell.
"""

from __future__ import annotations

import pytest

from evals.configs import DEFAULT_CONFIG
from evals.gold import SEEDS_QA_PATH
from evals.runner import run_eval
from newsrag.settings import Settings

# Raised as the system improved (measured 2026-11-23 with the hand-ruled answerer: hit@5 1.000,
# accuracy 0.937, citation precision 1.000, faithfulness 1.000, refusal recall 0.875).
# Lowered on purpose on 2026-12-01, when the answerer became the scorer fitted on other
# outlets' news (issue 13): measured accuracy 0.899 and refusal recall 0.750 here, against
# 0.681 / 0.575 on the development test split, where the rules scored 0.586 / 0.400.
# On 2026-12-05 the trained reader joined the answerer (issue 22): accuracy 0.924, refusal
# recall 0.688 (11 of the 16 unanswerable; one fewer than before) here, against 0.736 / 0.608
# on the 625-question development test split, where the feature answerer scored 0.674 / 0.511.
# The seeds are not fitted on; these thresholds allow one question of slack each.
THRESHOLDS = {
    "hit_at_5": 0.98,
    "mrr": 0.9,
    "answer_accuracy": 0.88,
    "citation_precision": 0.95,
    "faithfulness": 0.95,
    "refusal_recall": 0.62,
}


@pytest.fixture(scope="session")
def default_run(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("gate-data"))
    out = tmp_path_factory.mktemp("gate-report")
    report = run_eval(settings, SEEDS_QA_PATH, [DEFAULT_CONFIG], out)
    return report.result(DEFAULT_CONFIG), out


def test_every_question_was_answered_without_errors(default_run):
    result, out = default_run
    assert result.summary.questions >= 60 and result.summary.errors == 0
    assert all(s.answered for s in result.scores)
    assert (out / "report.md").is_file()


@pytest.mark.parametrize("metric", sorted(THRESHOLDS))
def test_metric_meets_threshold(default_run, metric):
    result, out = default_run
    value = getattr(result.summary, metric)
    failures = [f"{s.item_id}: expected {s.expected!r}, got {s.got[:120]!r}" for s in result.scores if s.failed][:10]
    assert value is not None and value >= THRESHOLDS[metric], (
        f"{metric} = {value} < {THRESHOLDS[metric]} (see {out / 'report.md'}); first failures:\n" + "\n".join(failures)
    )
