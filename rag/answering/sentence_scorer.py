"""The fitted scorer: P(a sentence answers the question), then P(answering is right).

Two logistic regressions, fitted by `evals/fit.py` on the fitting split of the
development questions and stored in `rag/models/sentence_scorer.json`:

1. per candidate sentence, over the standardised features of `rag.answering.sentence_features`:
   a score fitted on pairs (an answering sentence against a non-answering one of the
   same question), turned by a softmax over the question's candidates into the
   probability that it is the sentence that answers;
2. per question, over what the first stage says about its candidates
   (`QUESTION_FEATURES`: the best probability and its margin, whether the best
   sentence holds the kind of thing asked for, the question's names and numbers
   that no passage states, ...): the probability that quoting the best sentences
   answers the question right. This is the answerer's confidence.

With them are stored the decisions fitted on the same data: the refusal threshold
(refuse when the confidence is below it) and the share of the best probability an
extra sentence of an open answer must reach.

Inference is a dot product in numpy, so the query path imports no scikit-learn.

Deliberately left out: fitting (evals/fit.py) and any choice of sentences (the
offline answerer decides with these numbers).
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

MODEL_FILE = "sentence_scorer.json"
MODEL_VERSION = 2


QUESTION_FEATURES = (
    "p_best", "p_second", "p_margin", "p_top3", "kind_asked", "best_kind_missing", "best_coverage",
    "best_coverage_context", "best_missing_rarest", "best_hard_sentence", "best_names_sentence",
    "missing_anchors", "best_sim", "best_coverage_passage",
)


def question_features(features: np.ndarray, probabilities: np.ndarray, missing_anchors: int) -> np.ndarray:
    """One question's row of QUESTION_FEATURES from its candidates' features and probabilities."""
    from rag.answering.sentence_features import FEATURES

    if len(probabilities) == 0:
        return np.zeros(len(QUESTION_FEATURES))
    order = np.argsort(-probabilities, kind="stable")
    best = features[order[0]]
    p_best = float(probabilities[order[0]])
    p_second = float(probabilities[order[1]]) if len(order) > 1 else 0.0
    col = {name: best[FEATURES.index(name)] for name in (
        "kind_asked", "kind_missing", "coverage", "coverage_context", "missing_rarest", "hard_sentence",
        "names_sentence", "sim", "coverage_passage")}
    return np.array([
        p_best, p_second, p_best - p_second, float(probabilities[order[:3]].sum()), col["kind_asked"],
        col["kind_missing"], col["coverage"], col["coverage_context"], col["missing_rarest"], col["hard_sentence"],
        col["names_sentence"], float(min(missing_anchors, 3)), col["sim"], col["coverage_passage"],
    ])


@dataclass(frozen=True)
class Logistic:
    """A standardised logistic regression: P = sigmoid(((x - mean) / scale) . coef + intercept)."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logits(self, matrix: np.ndarray) -> np.ndarray:
        return np.asarray(((matrix - self.mean) / self.scale) @ self.coef + self.intercept)

    def __call__(self, matrix: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(self.logits(matrix), -40, 40))))

    def softmax(self, matrix: np.ndarray) -> np.ndarray:
        """P(row i is the one that answers | one of the rows does): the rows compete."""
        z = self.logits(matrix)
        e = np.exp(z - z.max())
        return np.asarray(e / e.sum())

    def to_dict(self) -> dict[str, object]:
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist(), "coef": self.coef.tolist(),
                "intercept": self.intercept}

    @classmethod
    def from_dict(cls, data: Mapping[str, object], where: str = "the scorer file") -> Logistic:
        def vector(key: str) -> np.ndarray:
            return np.asarray(_field(data, key, where), dtype=np.float64)

        return cls(vector("mean"), vector("scale"), vector("coef"), _number(data, "intercept", where))


@dataclass(frozen=True)
class SentenceScorer:
    features: tuple[str, ...]
    sentence: Logistic  # stage 1, over FEATURES (pairwise: its softmax over a question's candidates)
    question: Logistic  # stage 2, over QUESTION_FEATURES
    refusal_threshold: float  # confidence below this: refuse
    extra_share: float  # an open answer's extra sentence needs >= this share of the best probability
    max_sentences: int  # at most this many sentences in an open answer

    def probabilities(self, matrix: np.ndarray) -> np.ndarray:
        if matrix.shape[0] == 0:
            return np.zeros(0)
        if matrix.shape[1] != len(self.features):
            raise ConfigError(
                f"expected {len(self.features)} features per sentence (the fitted model's), got {matrix.shape[1]}",
                fix="refit the scorer with `make fit` after changing rag/answering/sentence_features.py",
            )
        return self.sentence.softmax(matrix)

    def confidence(self, matrix: np.ndarray, probabilities: np.ndarray, missing_anchors: int) -> float:
        """P(quoting the best sentences answers right), from the question-level model."""
        if len(probabilities) == 0:
            return 0.0
        return float(self.question(question_features(matrix, probabilities, missing_anchors)[None, :])[0])

    def to_dict(self) -> dict[str, object]:
        return {
            "version": MODEL_VERSION, "features": list(self.features), "question_features": list(QUESTION_FEATURES),
            "sentence": self.sentence.to_dict(), "question": self.question.to_dict(),
            "refusal_threshold": self.refusal_threshold, "extra_share": self.extra_share,
            "max_sentences": self.max_sentences,
        }


def _field(data: Mapping[str, object], key: str, where: str) -> object:
    if key not in data:
        raise ConfigError(f"expected the field {key!r} in the sentence scorer {where}, got none",
                          fix="refit it with `make fit`")
    return data[key]


def _number(data: Mapping[str, object], key: str, where: str) -> float:
    value = _field(data, key, where)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"expected a number for {key!r} in the sentence scorer {where}, got {value!r}",
                          fix="refit it with `make fit`")
    return float(value)


def _names(value: object, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"expected a list of names for {key!r} in the sentence scorer {where}, got {value!r}",
                          fix="refit it with `make fit`")
    return tuple(str(v) for v in value)


def _section(data: Mapping[str, object], key: str, where: str) -> Mapping[str, object]:
    value = _field(data, key, where)
    if not isinstance(value, dict):
        raise ConfigError(f"expected an object for {key!r} in the sentence scorer {where}, got {value!r}",
                          fix="refit it with `make fit`")
    return value


def scorer_from_dict(data: Mapping[str, object], where: str) -> SentenceScorer:
    from rag.answering.sentence_features import FEATURES

    if data.get("version") != MODEL_VERSION:
        raise ConfigError(f"expected a sentence scorer of version {MODEL_VERSION} in {where}, "
                          f"got {data.get('version')!r}", fix="refit it with `make fit`")
    features = _names(_field(data, "features", where), "features", where)
    question = _names(data.get("question_features", ()), "question_features", where)
    if features != FEATURES or question != QUESTION_FEATURES:
        raise ConfigError(f"expected the scorer in {where} to use the features {FEATURES} and {QUESTION_FEATURES}, "
                          f"got {features} and {question}",
                          fix="refit it with `make fit` after changing the features")
    return SentenceScorer(
        features=features,
        sentence=Logistic.from_dict(_section(data, "sentence", where), where),
        question=Logistic.from_dict(_section(data, "question", where), where),
        refusal_threshold=_number(data, "refusal_threshold", where),
        extra_share=_number(data, "extra_share", where), max_sentences=int(_number(data, "max_sentences", where)),
    )


def packaged_model_path() -> Path:
    return Path(str(resources.files("rag").joinpath("models", MODEL_FILE)))


@functools.cache
def load_scorer(path: str | None = None) -> SentenceScorer:
    """The fitted scorer from `path`, or the one packaged with the product."""
    location = Path(path) if path else packaged_model_path()
    try:
        data = json.loads(location.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"expected a fitted sentence scorer (JSON) at {location}, got {type(exc).__name__}: {exc}",
                          fix="run `make fit` to write it, or point NEWSRAG_SCORER_PATH at a fitted file") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"expected a fitted sentence scorer (a JSON object) at {location}, got {type(data).__name__}",
                          fix="run `make fit` to write it, or point NEWSRAG_SCORER_PATH at a fitted file")
    return scorer_from_dict(data, str(location))
