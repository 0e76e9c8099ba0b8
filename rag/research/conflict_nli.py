"""The NLI conflict detector, and the choice between it and the rules one.

`NliConflictDetector` asks a sentence-transformers CrossEncoder NLI model (the one
NEWSRAG_NLI_MODEL names, loaded as `rag/checking/support_checker.py` loads it) for the contradiction
probability of (a, b) and of (b, a) and keeps the larger: contradiction is symmetric but
NLI models are not. At or above `CONTRADICTION_THRESHOLD` it reports a conflict; the kind
is "figure" when both sentences hold numbers for a shared slot word with no common value
(`rag.research.conflict_features.figure_clash`), else "denial".

`load_conflict_detector(nli_model)` returns this detector when a model is configured and
the fitted rules detector (`rag/research/conflict_rules.py`) otherwise.

Deliberately left out: calibration of the threshold. No NLI model is available offline,
so it could not be fitted on evals/disagreement/pairs.jsonl; it is a documented constant.
"""

from __future__ import annotations

from newsrag.protocols import ConflictDetector
from newsrag.types import Conflict, Statement
from rag.checking.nli_model import PairScorer, label_index, load_nli_model
from rag.research.conflict_features import figure_clash, read_side
from rag.research.conflict_rules import RulesConflictDetector

# NLI cross-encoders (e.g. the nli-deberta-v3 family) put clear contradictions above 0.9
# and hedged or partial ones between 0.5 and 0.9; 0.8 keeps to the clear ones, since a
# wrong "sources disagree" costs more than a missed one. Not fitted: see the module docstring.
CONTRADICTION_THRESHOLD = 0.8


class NliConflictDetector:
    """A ConflictDetector from an NLI cross-encoder's contradiction probability, both orders."""

    name = "nli"

    def __init__(self, model: PairScorer, threshold: float = CONTRADICTION_THRESHOLD) -> None:
        self.model = model
        self.threshold = threshold
        self._index = label_index(model, "contradict")

    def probability(self, a: Statement, b: Statement) -> float:
        rows = self.model.predict([(a.text, b.text), (b.text, a.text)], apply_softmax=True)
        return float(max(rows[0][self._index], rows[1][self._index]))

    def conflict(self, a: Statement, b: Statement) -> Conflict | None:
        p = self.probability(a, b)
        if p < self.threshold:
            return None
        clash, _ = figure_clash(read_side(a.text), read_side(b.text))
        return Conflict(kind="figure" if clash else "denial", probability=p, method=self.name)


def load_conflict_detector(nli_model: str | None) -> ConflictDetector:
    """The NLI detector when NEWSRAG_NLI_MODEL names a model, else the fitted rules one."""
    if nli_model:
        return NliConflictDetector(load_nli_model(nli_model))
    return RulesConflictDetector.load()
