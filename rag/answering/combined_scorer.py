"""The fitted combination of the feature scorer and the trained sentence reader.

For one question:

1. the feature scorer (`rag/answering/sentence_scorer.py`) ranks every candidate sentence of the
   retrieved passages; it is cheap, so it sees them all;
2. the sentence reader (`rag/answering/sentence_reader.py`) reads the question with each of the
   `reader_candidates` best of them; that number was chosen on the validation split
   (a larger one finds a few more answers and costs a forward pass each);
3. a logistic regression over `SENTENCE_FEATURES` (the feature score and the reader's
   logit, each also relative to the best of the question) gives each of those sentences
   its probability of being the answer, by a softmax over them; the others get none;
4. a second one over `QUESTION_FEATURES` (what the reader and the features say about
   the best sentences, and the question's names and numbers that no passage states)
   gives the confidence that quoting the best sentences answers right; below
   `refusal_threshold` the answerer refuses.

Both regressions, the threshold, the extra-sentence share and `reader_candidates` are
fitted on the validation split by `evals/fit_reader.py` (out-of-fold, grouped by
article) and stored in `rag/models/sentence_reader/combiner.json`. Inference is numpy.

Deliberately left out: the models themselves and any choice of sentences (the offline
answerer decides with these numbers).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsrag.errors import ConfigError
from rag.answering.sentence_reader import SentenceReader, load_sentence_reader, packaged_reader_dir
from rag.answering.sentence_scorer import Logistic

COMBINER_FILE = "combiner.json"
COMBINER_VERSION = 1

SENTENCE_FEATURES = ("feature_score", "feature_gap", "reader_logit", "reader_gap")
QUESTION_FEATURES = ("p_best", "p_margin", "reader_best", "reader_second", "feature_confidence", "missing_anchors")


def sentence_matrix(feature_scores: np.ndarray, reader_logits: np.ndarray) -> np.ndarray:
    """One row of SENTENCE_FEATURES per read candidate."""
    if len(feature_scores) == 0:
        return np.zeros((0, len(SENTENCE_FEATURES)))
    return np.column_stack([feature_scores, feature_scores - feature_scores.max(),
                            reader_logits, reader_logits - reader_logits.max()])


def question_row(probabilities: np.ndarray, reader_logits: np.ndarray, feature_confidence: float,
                 missing_anchors: int) -> np.ndarray:
    """The question's row of QUESTION_FEATURES (probabilities and logits of the read candidates)."""
    if len(probabilities) == 0:
        return np.array([0.0, 0.0, -10.0, -10.0, feature_confidence, float(min(missing_anchors, 3))])
    p = np.sort(probabilities)[::-1]
    r = np.sort(reader_logits)[::-1]
    return np.array([p[0], p[0] - (p[1] if len(p) > 1 else 0.0), r[0], r[1] if len(r) > 1 else -10.0,
                     feature_confidence, float(min(missing_anchors, 3))])


@dataclass(frozen=True)
class CombinedScorer:
    reader_candidates: int  # how many of the feature scorer's best sentences the reader reads
    sentence: Logistic  # over SENTENCE_FEATURES; its softmax over the read candidates
    question: Logistic  # over QUESTION_FEATURES: P(quoting the best sentences is right)
    refusal_threshold: float
    extra_share: float
    max_sentences: int

    def probabilities(self, feature_scores: np.ndarray, reader_logits: np.ndarray) -> np.ndarray:
        matrix = sentence_matrix(feature_scores, reader_logits)
        return self.sentence.softmax(matrix) if len(matrix) else np.zeros(0)

    def confidence(self, probabilities: np.ndarray, reader_logits: np.ndarray, feature_confidence: float,
                   missing_anchors: int) -> float:
        row = question_row(probabilities, reader_logits, feature_confidence, missing_anchors)
        return float(self.question(row[None, :])[0])

    def to_dict(self) -> dict[str, object]:
        return {"version": COMBINER_VERSION, "sentence_features": list(SENTENCE_FEATURES),
                "question_features": list(QUESTION_FEATURES), "reader_candidates": self.reader_candidates,
                "sentence": self.sentence.to_dict(), "question": self.question.to_dict(),
                "refusal_threshold": self.refusal_threshold, "extra_share": self.extra_share,
                "max_sentences": self.max_sentences}


def combiner_from_dict(data: Mapping[str, object], where: str) -> CombinedScorer:
    def field(key: str) -> object:
        if key not in data:
            raise ConfigError(f"expected the field {key!r} in the combiner {where}, got none",
                              fix="refit it with `make train-reader` (or `python -m evals.fit_reader`)")
        return data[key]

    def number(key: str) -> float:
        value = field(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"expected a number for {key!r} in the combiner {where}, got {value!r}",
                              fix="refit it with `python -m evals.fit_reader`")
        return float(value)

    def section(key: str) -> Logistic:
        value = field(key)
        if not isinstance(value, dict):
            raise ConfigError(f"expected an object for {key!r} in the combiner {where}, got {value!r}",
                              fix="refit it with `python -m evals.fit_reader`")
        return Logistic.from_dict(value, where)

    if data.get("version") != COMBINER_VERSION:
        raise ConfigError(f"expected a combiner of version {COMBINER_VERSION} in {where}, got {data.get('version')!r}",
                          fix="refit it with `python -m evals.fit_reader`")
    if (tuple(data.get("sentence_features", ())) != SENTENCE_FEATURES  # type: ignore[arg-type]
            or tuple(data.get("question_features", ())) != QUESTION_FEATURES):  # type: ignore[arg-type]
        raise ConfigError(f"expected the combiner in {where} to use {SENTENCE_FEATURES} and {QUESTION_FEATURES}, "
                          f"got {data.get('sentence_features')} and {data.get('question_features')}",
                          fix="refit it with `python -m evals.fit_reader` after changing the features")
    return CombinedScorer(
        reader_candidates=int(number("reader_candidates")), sentence=section("sentence"), question=section("question"),
        refusal_threshold=number("refusal_threshold"), extra_share=number("extra_share"),
        max_sentences=int(number("max_sentences")))


def packaged_combiner_path() -> Path:
    return packaged_reader_dir() / COMBINER_FILE


@functools.cache
def load_combiner(path: str | None = None) -> CombinedScorer:
    """The fitted combination from `path`, or the packaged one."""
    location = Path(path) if path else packaged_combiner_path()
    try:
        data = json.loads(location.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"expected a fitted combiner (JSON) at {location}, got {type(exc).__name__}: {exc}",
                          fix="restore rag/models/sentence_reader/ or run `make train-reader`") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"expected a JSON object in {location}, got {type(data).__name__}",
                          fix="restore rag/models/sentence_reader/ or run `make train-reader`")
    return combiner_from_dict(data, str(location))


def load_reading(choice: str, threads: int) -> tuple[SentenceReader, CombinedScorer] | None:
    """The reader and its combination for NEWSRAG_SENTENCE_READER: "packaged", "off" (None) or a folder."""
    if choice == "off":
        return None
    if choice == "packaged":
        return load_sentence_reader(None, threads), load_combiner(None)
    folder = Path(choice)
    if not folder.is_dir():
        raise ConfigError(f"expected NEWSRAG_SENTENCE_READER to be 'packaged', 'off' or a reader folder, "
                          f"got {choice!r}",
                          fix="point it at a folder written by `make train-reader`, or unset it")
    return load_sentence_reader(str(folder), threads), load_combiner(str(folder / COMBINER_FILE))
