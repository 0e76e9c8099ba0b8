"""The packaged sentence scorer loads, matches the features, and fails clearly when it does not."""

from __future__ import annotations

import json

import numpy as np
import pytest

from newsrag.errors import ConfigError
from rag.answering.sentence_features import FEATURES
from rag.answering.sentence_scorer import load_scorer, packaged_model_path, scorer_from_dict


def test_packaged_scorer_gives_probabilities_for_every_feature_row():
    scorer = load_scorer()
    assert scorer.features == FEATURES
    assert 0.0 < scorer.refusal_threshold < 1.0 and scorer.max_sentences >= 1
    matrix = np.zeros((3, len(FEATURES)))
    probs = scorer.probabilities(matrix)
    assert probs.shape == (3,) and np.all((probs > 0) & (probs < 1))
    assert 0.0 < scorer.confidence(matrix, probs, 0) < 1.0
    assert scorer.confidence(matrix[:0], probs[:0], 0) == 0.0


def test_packaged_file_records_what_it_was_fitted_on():
    data = json.loads(packaged_model_path().read_text())
    fitted = data["fitted_on"]
    assert fitted["questions"] >= 100 and fitted["articles"] >= 40 and fitted["positives"] > 0


def test_a_scorer_for_other_features_is_refused_with_the_fix():
    data = json.loads(packaged_model_path().read_text())
    data["features"] = data["features"][:-1]
    with pytest.raises(ConfigError, match="make fit"):
        scorer_from_dict(data, "test.json")
    data["version"] = 99
    with pytest.raises(ConfigError, match="version"):
        scorer_from_dict(data, "test.json")


def test_a_missing_or_broken_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="expected a fitted sentence scorer"):
        load_scorer(str(tmp_path / "none.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match="JSONDecodeError"):
        load_scorer(str(bad))


def test_wrong_width_matrix_is_refused():
    with pytest.raises(ConfigError, match="features per sentence"):
        load_scorer().probabilities(np.zeros((1, 2)))
