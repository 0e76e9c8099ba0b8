"""Fitting the scorer: labels, decisions, and that `make fit` reproduces the packaged file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from evals.fit import EXTRA_SHARES, is_evidence, label
from evals.gold import GoldEvidence, GoldItem
from rag.answering.sentence_scorer import packaged_model_path


def _item(answerable=True) -> GoldItem:
    if not answerable:
        return GoldItem("u", "When did it end?", False, (), ())
    return GoldItem("a", "When did the strike end?", True, ("March 3",),
                    (GoldEvidence("The strike ended on March 3 after talks."),))


def test_evidence_and_answer_labels():
    item = _item()
    assert is_evidence("The strike ended on March 3 after talks.", item)
    assert not is_evidence("Talks began in February.", item)
    assert label("Officials confirmed the end came on March 3.", item)  # states the accepted answer
    assert not label("The strike ended on March 3 after talks.", _item(answerable=False))


def test_packaged_decisions_come_from_the_fitting_grid():
    data = json.loads(packaged_model_path().read_text())
    assert data["extra_share"] in EXTRA_SHARES
    assert 0.0 < data["refusal_threshold"] < 1.0


@pytest.mark.slow
def test_make_fit_reproduces_the_packaged_scorer(tmp_path):
    from evals.fit import main

    out = tmp_path / "scorer.json"
    assert main(["--workspace", str(tmp_path / "ws"), "--out", str(out)]) == 0
    made, packaged = json.loads(out.read_text()), json.loads(packaged_model_path().read_text())
    assert made["fitted_on"]["questions"] == packaged["fitted_on"]["questions"]
    # A fresh index is not bit-identical (Chroma's HNSW graph depends on insertion timing, so a
    # near-tie in retrieval can change a question's candidates): the refit must agree closely.
    for stage in ("sentence", "question"):
        a, b = np.array(made[stage]["coef"]), np.array(packaged[stage]["coef"])
        assert np.corrcoef(a, b)[0, 1] > 0.99 and np.abs(a - b).max() < 0.05, stage
    assert abs(made["refusal_threshold"] - packaged["refusal_threshold"]) <= 0.03
    assert made["extra_share"] == packaged["extra_share"]
