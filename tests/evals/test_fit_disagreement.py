"""Fitting the disagreement detector: its threshold rule, and that the script reproduces the packaged file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from evals.fit_disagreement import NEVER, PRECISION_TARGET, choose_threshold
from rag.research.conflict_rules import packaged_model_path


def test_threshold_is_the_lowest_reaching_the_precision_target() -> None:
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    y = np.array([1, 1, 1, 0, 1, 0])
    assert choose_threshold(p, y) == pytest.approx(0.7)  # 3/3; at 0.5 it is 4/5 < 0.9
    assert choose_threshold(p, np.array([1, 0, 1, 0, 1, 0])) == NEVER  # never 0.9: report nothing
    assert PRECISION_TARGET >= 0.9


@pytest.mark.slow
def test_fitting_reproduces_the_packaged_model(tmp_path) -> None:
    from evals.fit_disagreement import main

    out = tmp_path / "disagreement.json"
    main(["--out", str(out), "--report", str(tmp_path / "report.md")])
    got = json.loads(out.read_text(encoding="utf-8"))
    want = json.loads(packaged_model_path().read_text(encoding="utf-8"))
    assert got["features"] == want["features"] and got["record"] == want["record"]
    assert got["threshold"] == pytest.approx(want["threshold"], abs=1e-6)
    for key in ("mean", "scale", "coef"):
        assert np.allclose(got["logistic"][key], want["logistic"][key], atol=1e-6)
    assert got["logistic"]["intercept"] == pytest.approx(want["logistic"]["intercept"], abs=1e-6)
