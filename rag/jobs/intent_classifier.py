"""Recognise what an utterance asks for, before anything is retrieved.

The labels (`INTENTS`) and the job each one starts in `rag/assistant.py`:

- "question": a factoid or open question about the news: today's answer path;
- "greeting": hello, help, "what can you do": a short reply with example questions;
- "collection": about the collection itself: "what are these articles about", "which
  articles mention X", "what do you have on X", "list the articles from <outlet>";
- "summary": "summarize the article about X", "give me the main points on X";
- "smalltalk": thanks, goodbye, feedback, chit-chat.

The classifier is a multinomial logistic regression fitted by `evals/fit_intent.py` on the
labelled utterances of `evals/intents/` and stored in `rag/models/intent.json`. It reads
the hashed word and character n-grams of `rag/jobs/intent_features.py` and, when the model was
fitted with them and the caller's embedder is that same model, the utterance's sentence
vector too (the "text+embedding" model; otherwise the "text" model). Only NumPy runs here:
the fitting library is never imported on the query path.

A label other than "question" must reach the model's `min_probability`; anything less
clear is answered as a question, so an unsure classifier falls back to the path that
existed before it. So is an utterance without a Latin-script word (`readable`): the
utterances it was fitted on are English.

Deliberately left out: what the request is about (`rag/jobs/job_request.py`) and doing the job.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from newsrag.protocols import EXACT_BACKENDS, Embedder
from newsrag.text import words
from rag.jobs.intent_features import hashed_features, softmax

QUESTION = "question"
GREETING = "greeting"
COLLECTION = "collection"
SUMMARY = "summary"
SMALLTALK = "smalltalk"
INTENTS = (QUESTION, GREETING, COLLECTION, SUMMARY, SMALLTALK)
TEXT_MODEL = "text"
EMBEDDING_MODEL = "text+embedding"
UNREAD = "unread"  # no model read it: nothing in it that the English-fitted features can read


def readable(text: str) -> bool:
    """Whether `text` has a Latin-script word. The classifier was fitted on English utterances; a
    question in another script (or one made of symbols) goes to the answer path unclassified."""
    return any(any(c.isalpha() and c.isascii() for c in w) for w in words(text))


@dataclass(frozen=True)
class Intent:
    label: str  # one of INTENTS
    probability: float  # the model's probability for that label
    model: str  # TEXT_MODEL, EMBEDDING_MODEL, or UNREAD when nothing could be read


@dataclass(frozen=True, eq=False)
class LinearModel:
    weights: np.ndarray  # (len(labels), features)
    bias: np.ndarray  # (len(labels),)
    embedding_model: str | None = None  # the sentence-embedding model whose vectors it reads, if any

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return softmax(self.weights @ features + self.bias)


def packaged_model_path() -> Path:
    return Path(str(resources.files("rag").joinpath("models", "intent.json")))


class IntentClassifier:
    """Labels utterances (thread-safe; remembers the last few hundred it labelled)."""

    def __init__(self, labels: tuple[str, ...], models: dict[str, LinearModel], min_probability: float,
                 cache_size: int = 512) -> None:
        if TEXT_MODEL not in models:
            raise ValueError(f"expected an intent model with a {TEXT_MODEL!r} part, got {sorted(models)}")
        unknown = set(labels) - set(INTENTS)
        if unknown or QUESTION not in labels:
            raise ValueError(f"expected intent labels among {INTENTS} including {QUESTION!r}, got {labels}")
        self.labels = labels
        self.models = models
        self.min_probability = min_probability
        self._cache: OrderedDict[tuple[str, str], Intent] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @classmethod
    def from_json(cls, data: dict[str, object]) -> IntentClassifier:
        labels = tuple(str(x) for x in data["labels"])  # type: ignore[attr-defined]
        models: dict[str, LinearModel] = {}
        for name, raw in dict(data["models"]).items():  # type: ignore[call-overload]
            models[str(name)] = LinearModel(
                weights=np.asarray(raw["weights"], dtype=np.float32),
                bias=np.asarray(raw["bias"], dtype=np.float32),
                embedding_model=raw.get("embedding_model"),
            )
        return cls(labels, models, float(data["min_probability"]))  # type: ignore[arg-type]

    def embedding_wanted(self, embedder: Embedder | None) -> bool:
        """Whether the utterance's vector from `embedder` is one the embedding model can read."""
        model = self.models.get(EMBEDDING_MODEL)
        return (model is not None and embedder is not None and embedder.name == model.embedding_model
                and getattr(embedder, "backend", "") in EXACT_BACKENDS)

    def classify(self, text: str, embedding: np.ndarray | None = None) -> Intent:
        """The intent of `text`; `embedding` (its vector, when `embedding_wanted`) selects the richer model."""
        if not readable(text):
            return Intent(QUESTION, 1.0, UNREAD)
        name = EMBEDDING_MODEL if embedding is not None and EMBEDDING_MODEL in self.models else TEXT_MODEL
        key = (name, text)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                return hit
        model = self.models[name]
        features = hashed_features(text)
        if name == EMBEDDING_MODEL:
            assert embedding is not None
            features = np.concatenate([features, np.asarray(embedding, dtype=np.float32).ravel()])
        probs = model.probabilities(features)
        best = int(np.argmax(probs))
        label, p = self.labels[best], float(probs[best])
        if label != QUESTION and p < self.min_probability:
            label, p = QUESTION, float(probs[self.labels.index(QUESTION)])
        out = Intent(label, p, name)
        with self._lock:
            self._cache[key] = out
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return out

    def classify_with(self, text: str, embedder: Embedder | None, embedding: np.ndarray | None = None) -> Intent:
        """Classify, with `text`'s vector from `embedder` when its vectors suit the embedding model
        (`embedding` when the caller already has it: a question is embedded once per turn)."""
        with self._lock:
            hit = self._cache.get((EMBEDDING_MODEL, text))
        if hit is not None:
            return hit
        if readable(text) and self.embedding_wanted(embedder):
            assert embedder is not None
            return self.classify(text, embedder.embed_query(text) if embedding is None else embedding)
        return self.classify(text)


@functools.cache
def _load(path: str) -> IntentClassifier:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return IntentClassifier.from_json(data)


def load_intent_classifier(path: str | Path | None = None) -> IntentClassifier:
    """The fitted classifier (the packaged one by default), read once per path."""
    return _load(str(path or packaged_model_path()))
