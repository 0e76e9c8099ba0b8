"""What an answerer hands back before citations are numbered and sentences checked.

An answerer (offline extractive, or an LLM) sees the question and a numbered list of
passages and returns a `Draft`: sentences, each with the 1-based passage numbers it
cites and, when the answerer knows it, the exact evidence span inside the article.
`rag/assistant.py` turns a Draft into an `Answer`: it numbers citations by evidence
sentence, runs the support checker on every sentence, and applies strict mode.

Deliberately left out: any rendering. Markers like "[2]" are written by the assistant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from newsrag.types import Passage


@dataclass(frozen=True)
class Evidence:
    """An exact span of the cleaned article that one cited passage contributes."""

    passage_number: int  # 1-based into the passages given to the answerer
    start: int  # article offsets, inside that passage's chunk
    end: int


@dataclass(frozen=True)
class DraftSentence:
    text: str  # the sentence without citation markers
    cites: tuple[int, ...]  # 1-based passage numbers, already bounds-checked
    evidence: tuple[Evidence, ...] = ()  # empty when the answerer cannot say (LLMs)


@dataclass(frozen=True)
class Draft:
    sentences: tuple[DraftSentence, ...]
    refused: bool
    notes: tuple[str, ...] = ()  # e.g. "dropped citation [9]: only 6 passages"
    short: str | None = None  # the date, number, name or place that answers, a span of a sentence
    confidence: float | None = None  # the offline answerer's probability for its best sentence


class Answerer(Protocol):
    name: str

    def draft(
        self,
        question: str,
        passages: Sequence[Passage],
        on_token: Callable[[str], None] | None = None,
        *,
        evidence: Mapping[int, Sequence[str]] | None = None,
        query_embedding: np.ndarray | None = None,
    ) -> Draft:
        """Answer `question` from `passages` only; call on_token with text deltas if streaming.

        `evidence` (passage number -> candidate sentences) narrows what an LLM is shown;
        `query_embedding` spares the offline answerer embedding the question again. An
        answerer ignores what it has no use for."""
        ...
