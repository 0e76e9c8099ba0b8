"""The rules conflict detector: do two retrieved sentences disagree? No model, fitted numbers.

`RulesConflictDetector.conflict(a, b)` computes the pair features of
`rag/research/conflict_features.py`, turns them into P(the pair disagrees) with the
logistic regression fitted by `evals/fit_disagreement.py` (stored in
`rag/models/disagreement.json`, a dot product in numpy: no scikit-learn at query time)
and returns a `Conflict` only when that probability reaches the fitted threshold, which
was chosen for precision on cross-validation: a wrong "sources disagree" costs more than
a missed one. Where no threshold reached the precision target the stored one is above 1,
and the detector reports nothing (`probability` still ranks pairs). The conflict's kind
is "figure" when the figure features (`FIGURE_FEATURES`) push the logit up more than the
polarity features, else "denial".

Deliberately left out: fitting (evals/fit_disagreement.py), deciding which side is
right, and any NLI model (`rag/research/conflict_nli.py` has the detector that uses one).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from newsrag.errors import ConfigError
from newsrag.types import Conflict, ConflictKind, Statement
from rag.answering.sentence_scorer import Logistic
from rag.research.conflict_features import FEATURES, FIGURE_FEATURES, POLARITY_FEATURES, pair_features

MODEL_FILE = "disagreement.json"
MODEL_VERSION = 1
_FIX = "refit it with `python -m evals.fit_disagreement`"


@dataclass(frozen=True)
class DisagreementModel:
    """The fitted logistic model over FEATURES and its decision threshold."""

    features: tuple[str, ...]
    logistic: Logistic
    threshold: float  # P(disagree) >= this: report a conflict (above 1: never, the target was not reached)
    fitted_on: str  # what it was fitted on, for the record

    def probability(self, row: np.ndarray) -> float:
        return float(self.logistic(row[None, :])[0])

    def kind(self, row: np.ndarray) -> ConflictKind:
        """"figure" when the figure features push the logit up more than the polarity ones.

        A feature's push is its value times its weight, counted only when it raises the
        logit: an absent cue pushes nothing, and a cue that argues against a conflict
        ("both hold numbers", weighted down) says nothing about which kind it is."""
        push = np.maximum(row / self.logistic.scale * self.logistic.coef, 0.0)
        figure = sum(float(push[i]) for i, n in enumerate(self.features) if n in FIGURE_FEATURES)
        polarity = sum(float(push[i]) for i, n in enumerate(self.features) if n in POLARITY_FEATURES)
        return "figure" if figure > polarity else "denial"

    def to_dict(self) -> dict[str, object]:
        return {"version": MODEL_VERSION, "features": list(self.features), "logistic": self.logistic.to_dict(),
                "threshold": self.threshold, "fitted_on": self.fitted_on}


def model_from_dict(data: Mapping[str, object], where: str) -> DisagreementModel:
    if data.get("version") != MODEL_VERSION:
        raise ConfigError(f"expected a disagreement model of version {MODEL_VERSION} in {where}, "
                          f"got {data.get('version')!r}", fix=_FIX)
    features = data.get("features")
    if not isinstance(features, list) or tuple(features) != FEATURES:
        raise ConfigError(f"expected the disagreement model in {where} to use the features {FEATURES}, "
                          f"got {features!r}", fix=_FIX + " after changing rag/research/conflict_features.py")
    logistic, threshold = data.get("logistic"), data.get("threshold")
    if not isinstance(logistic, dict):
        raise ConfigError(f"expected an object for 'logistic' in {where}, got {logistic!r}", fix=_FIX)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise ConfigError(f"expected a number for 'threshold' in {where}, got {threshold!r}", fix=_FIX)
    return DisagreementModel(FEATURES, Logistic.from_dict(logistic, where), float(threshold),
                             str(data.get("fitted_on", "")))


def packaged_model_path() -> Path:
    return Path(str(resources.files("rag").joinpath("models", MODEL_FILE)))


@functools.cache
def load_model(path: str | None = None) -> DisagreementModel:
    """The fitted model from `path`, or the one packaged with the product (read once)."""
    location = Path(path) if path else packaged_model_path()
    try:
        data = json.loads(location.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"expected a fitted disagreement model (JSON) at {location}, "
                          f"got {type(exc).__name__}: {exc}", fix=_FIX) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"expected a JSON object at {location}, got {type(data).__name__}", fix=_FIX)
    return model_from_dict(data, str(location))


class RulesConflictDetector:
    """A ConflictDetector from pair features and a fitted logistic model (no NLI model)."""

    name = "rules"

    def __init__(self, model: DisagreementModel) -> None:
        self.model = model

    @classmethod
    def load(cls, path: Path | None = None) -> RulesConflictDetector:
        return cls(load_model(str(path) if path else None))

    def probability(self, a: Statement, b: Statement) -> float:
        """P(a and b disagree), whatever the threshold."""
        return self.model.probability(pair_features(a, b))

    def conflict(self, a: Statement, b: Statement) -> Conflict | None:
        if self.model.threshold > 1.0:  # fitted as unreachable (no precise cut found): nothing to compute
            return None
        row = pair_features(a, b)
        p = self.model.probability(row)
        if p < self.model.threshold:
            return None
        return Conflict(kind=self.model.kind(row), probability=p, method=self.name)
