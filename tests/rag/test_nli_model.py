"""One NLI model per process: the support checker and the disagreement detector share it."""

from __future__ import annotations

import numpy as np
import pytest

from newsrag.errors import ConfigError
from rag.checking.nli_model import label_index, load_nli_model
from rag.checking.support_checker import SupportChecker
from rag.research.conflict_nli import load_conflict_detector


class CountingCrossEncoder:
    """Stands in for sentence_transformers.CrossEncoder; counts how often one is built."""

    made = 0

    def __init__(self, name: str, device: str) -> None:
        type(self).made += 1
        self.config = type("Config", (), {"id2label": {0: "contradiction", 1: "entailment", 2: "neutral"}})()

    def predict(self, inputs, *, apply_softmax: bool) -> np.ndarray:
        return np.tile([0.1, 0.8, 0.1], (len(inputs), 1))


def test_the_checker_and_the_detector_share_one_loaded_model(monkeypatch):
    import sentence_transformers

    monkeypatch.setattr(sentence_transformers, "CrossEncoder", CountingCrossEncoder)
    load_nli_model.cache_clear()
    try:
        SupportChecker(nli_model="local-nli")
        detector = load_conflict_detector("local-nli")
        assert CountingCrossEncoder.made == 1
        assert detector.model is load_nli_model("local-nli")
        assert label_index(detector.model, "entail") == 1 and label_index(detector.model, "contradict") == 0
    finally:
        load_nli_model.cache_clear()


def test_a_model_without_the_label_names_the_fix():
    class NoLabels:
        config = type("Config", (), {"id2label": {0: "positive", 1: "negative"}})()

        def predict(self, inputs, *, apply_softmax: bool) -> np.ndarray:
            return np.zeros((len(inputs), 2))

    with pytest.raises(ConfigError, match="NEWSRAG_NLI_MODEL"):
        label_index(NoLabels(), "entail")
