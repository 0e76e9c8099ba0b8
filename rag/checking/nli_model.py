"""The one NLI cross-encoder of a process: loaded once, shared by the support checker and the
disagreement detector, and the index of a label among its outputs.

`NEWSRAG_NLI_MODEL` names a local sentence-transformers CrossEncoder trained for NLI
(labels contradiction / entailment / neutral). The checker reads its entailment
probability, the disagreement detector its contradiction probability; both get the same
loaded model from `load_nli_model`, which serialises calls (torch modules are not safe
to run from several threads at once).

Deliberately left out: the reranker's cross-encoder (another model, another setting:
rag/retrieval/reranker.py) and what either caller decides from the probabilities.
"""

from __future__ import annotations

import functools
import threading
from typing import Protocol

import numpy as np

from newsrag.errors import ConfigError

NLI_FIX = "set NEWSRAG_NLI_MODEL to an NLI CrossEncoder (labels contradiction/entailment/neutral)"


class PairScorer(Protocol):
    """What we use of a sentence-transformers CrossEncoder (a fake can stand in)."""

    def predict(self, inputs: list[tuple[str, str]], *, apply_softmax: bool) -> np.ndarray:
        """One row of label probabilities per (premise, hypothesis) pair."""
        ...


class _Serialised:
    """A PairScorer whose calls run one at a time; keeps the model's label config visible."""

    def __init__(self, model: PairScorer) -> None:
        self.model = getattr(model, "model", None)
        self.config = getattr(model, "config", None)
        self._inner = model
        self._lock = threading.Lock()

    def predict(self, inputs: list[tuple[str, str]], *, apply_softmax: bool) -> np.ndarray:
        with self._lock:
            return self._inner.predict(inputs, apply_softmax=apply_softmax)


@functools.cache
def load_nli_model(name: str) -> PairScorer:
    """The NLI model `name`, loaded once per process."""
    try:
        from sentence_transformers import CrossEncoder

        model: PairScorer = CrossEncoder(name, device="cpu")
    except Exception as exc:  # missing files, no network, wrong architecture
        raise ConfigError(
            f"could not load the NLI model NEWSRAG_NLI_MODEL={name!r}: {type(exc).__name__}: {exc}",
            fix="point NEWSRAG_NLI_MODEL at a local sentence-transformers CrossEncoder NLI model, or unset it",
        ) from exc
    return _Serialised(model)


def label_index(model: PairScorer, label: str) -> int:
    """The output column whose label contains `label` ("entail", "contradict")."""
    config = getattr(getattr(model, "model", None), "config", None) or getattr(model, "config", None)
    id2label = getattr(config, "id2label", None) or {}
    for idx, name in id2label.items():
        if label in str(name).lower():
            return int(idx)
    raise ConfigError(f"expected an NLI model with a {label!r}... label, got labels "
                      f"{sorted(map(str, id2label.values()))}", fix=NLI_FIX)
