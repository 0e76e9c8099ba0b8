"""Sources that disagree: the retrieved sentences that contradict what an answer cites.

After an answer is cited and checked, each cited sentence is weighed against the
retrieved sentences most similar to the question (the stored sentence vectors, no model
call): a `ConflictDetector` (the fitted rules of rag/research/conflict_rules.py, or an NLI
cross-encoder when NEWSRAG_NLI_MODEL is set) says whether a pair cannot both be right:
one side asserts what the other denies, or they give different figures for one thing.
A found pair adds the other side as a citation and a `Disagreement` naming both sides,
labelled "claim" / "denial" (or "figure" twice), so the reader sees both with their sources.

The detector returns nothing below its fitted threshold, which was chosen for precision:
showing no disagreement costs less than a wrong "sources disagree".

News also reports a disagreement inside one sentence: "X dismissed the claims that ...",
"there is no truth to what was reported by ...". `disputed_citations` finds cited sentences
that deny a claim they name (a denial cue of `rag/research/conflict_features.py`, whose denial
verbs count only with a claim as their object, and a word naming a claim or report,
`newsrag/vocab/claims.txt`); the answer then says the claim is disputed, and shows where.
Its precision was read off every sentence it flags in the development collections
(evals/disagreement/disputed.md).

Deliberately left out: deciding which side is right, and conflicts between two sentences
the answer did not cite (the answer's claims are what the reader needs checked).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newsrag.protocols import ConflictDetector
from newsrag.tuning import DisagreementTuning
from newsrag.types import Citation, Conflict, Disagreement, DisagreementSide, Passage, Statement
from rag.research.conflict_features import read_side
from rag.retrieval.sentence_source import SentenceSource


@dataclass(frozen=True)
class Candidate:
    """A retrieved sentence that might contradict a cited one."""

    passage: Passage
    start: int  # article offsets
    end: int
    statement: Statement


@dataclass(frozen=True)
class FoundConflict:
    """A cited sentence (by citation number) and the retrieved sentence that contradicts it."""

    citation: int
    other: Candidate
    conflict: Conflict


class ContradictionFinder:
    def __init__(self, detector: ConflictDetector, sentences: SentenceSource,
                 tuning: DisagreementTuning = DisagreementTuning()) -> None:
        self.detector = detector
        self.sentences = sentences
        self.tuning = tuning

    def find(self, citations: Sequence[Citation], passages: Sequence[Passage],
             query_embedding: np.ndarray | None) -> list[FoundConflict]:
        """The most probable conflicts first, at most `tuning.max_disagreements`, one per other sentence."""
        if not citations or not passages:
            return []
        stored = self.sentences.for_chunks([p.chunk for p in passages])
        vectors: dict[tuple[str, int, int], np.ndarray] = {}
        pool: list[Candidate] = []
        cited = {(c.article_id, c.start, c.end) for c in citations}
        for passage in passages:
            chunk = passage.chunk
            found = stored.get(chunk.id)
            if found is None:
                continue
            for (start, end), vector in zip(found.spans, found.vectors, strict=True):
                vectors[(chunk.article_id, start, end)] = vector
                if any(a == chunk.article_id and s < end and start < e for a, s, e in cited):
                    continue
                text = chunk.text[start - chunk.start:end - chunk.start]
                pool.append(Candidate(passage, start, end, Statement(text, chunk.article_id, vector)))
        if query_embedding is not None and pool:
            sims = np.stack([c.statement.vector for c in pool if c.statement.vector is not None]) @ query_embedding
            order = np.argsort(-sims, kind="stable")[: self.tuning.candidates]
            pool = [pool[int(i)] for i in order]
        else:
            pool = pool[: self.tuning.candidates]
        found_conflicts: list[FoundConflict] = []
        for c in citations:
            claim = Statement(c.quote, c.article_id, vectors.get((c.article_id, c.start, c.end)))
            for other in pool:
                conflict = self.detector.conflict(claim, other.statement)
                if conflict is not None:
                    found_conflicts.append(FoundConflict(c.number, other, conflict))
        found_conflicts.sort(key=lambda f: -f.conflict.probability)
        out: list[FoundConflict] = []
        for f in found_conflicts:
            if any((g.other.passage.chunk.id, g.other.start) == (f.other.passage.chunk.id, f.other.start) for g in out):
                continue
            out.append(f)
            if len(out) >= self.tuning.max_disagreements:
                break
        return out


def is_disputed(sentence: str) -> bool:
    """Whether the sentence denies a claim it names ("denied the allegations", "claims ... were dismissed")."""
    side = read_side(sentence)
    return side.denials > 0 and side.claims > 0


def disputed_citations(citations: Sequence[Citation]) -> Disagreement | None:
    """One "disputed" disagreement naming every cited sentence that reports a claim and denies it."""
    found = [c for c in citations if is_disputed(c.quote)]
    if not found:
        return None
    return Disagreement(kind="disputed", sides=tuple(DisagreementSide(c.number, "denies a reported claim")
                                                      for c in found), probability=None, method="reported-denial")


def side_labels(kind: str, cited: str, other: str) -> tuple[str, str]:
    """What each side says, as shown: the one that denies is the "denial", the other the "claim"."""
    if kind == "figure":
        return "figure", "figure"
    a, b = read_side(cited), read_side(other)
    if (a.denials, a.negations) > (b.denials, b.negations):
        return "denial", "claim"
    return "claim", "denial"


def disagreement(found: FoundConflict, cited_quote: str, other_number: int) -> Disagreement:
    first, second = side_labels(found.conflict.kind, cited_quote, found.other.statement.text)
    return Disagreement(
        kind=found.conflict.kind,
        sides=(DisagreementSide(found.citation, first), DisagreementSide(other_number, second)),
        probability=round(found.conflict.probability, 4),
        method=found.conflict.method,
    )
