"""The LLM answerer: prompt a ChatModel with numbered passages, parse its cited answer.

`LLMAnswerer` implements `newsrag.protocols.Answerer`. It renders `rag.llm.prompts` with the
passages, streams the model's tokens to `on_token`, and parses the whole text with
`rag.language.cited_text` into `DraftSentence`s. Citations outside 1..len(passages) (a model
inventing "[9]") are dropped and reported in `Draft.notes`; a sentence left with no
valid citation keeps `cites=()` so the checker marks it "uncited". An answer made only
of the refusal sentence becomes `Draft(refused=True)`.

The evidence it sees is the offline answerer's: the assistant passes the candidate
sentences the fitted scorer ranked highest (`OfflineAnswerer.evidence_for_llm`), so both
answerers rest on the same sentences and the same checker verifies both.

Deliberately left out: evidence spans (`Evidence`): an LLM cites passages, not
sentences; the assistant asks `SupportChecker.locate` for the sentence. Also left out:
retries and fallbacks — `BackendError` propagates and the assistant falls back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from newsrag.errors import BackendError
from newsrag.protocols import Answerer, ChatModel
from newsrag.tuning import AnsweringTuning
from newsrag.types import Draft, DraftSentence, Passage
from rag.language.cited_text import bounds_check, is_refusal_sentence, parse_cited_text
from rag.llm.prompts import ANSWER_SYSTEM_PROMPT, REFUSAL_TEXT, render_answer_prompt


class LLMAnswerer(Answerer):
    """Prompts a ChatModel with numbered passages and parses its cited answer (see the module docstring)."""

    def __init__(self, model: ChatModel, max_passage_chars: int = AnsweringTuning.llm_max_passage_chars,
                 max_sentences: int = AnsweringTuning.llm_max_sentences) -> None:
        shortest = AnsweringTuning.llm_min_passage_chars
        if max_passage_chars < shortest:
            raise ValueError(f"expected max_passage_chars >= {shortest}, got {max_passage_chars}")
        self.model = model
        self.max_passage_chars = max_passage_chars
        self.max_sentences = max_sentences
        self.name = model.name

    def prompt(self, question: str, passages: Sequence[Passage],
               evidence: Mapping[int, Sequence[str]] | None = None) -> str:
        return render_answer_prompt(question, passages, self.max_passage_chars, evidence)

    def draft(
        self,
        question: str,
        passages: Sequence[Passage],
        on_token: Callable[[str], None] | None = None,
        *,
        evidence: Mapping[int, Sequence[str]] | None = None,
        query_embedding: np.ndarray | None = None,  # unused: the model reads the question itself
    ) -> Draft:
        """`evidence`: passage number -> the candidate sentences the offline scorer ranked
        highest; the prompt then shows those sentences instead of whole passages."""
        if not passages:
            # Nothing to answer from: do not spend a model call to hear "do not say".
            return Draft(sentences=(DraftSentence(REFUSAL_TEXT, ()),), refused=True, notes=("no passages retrieved",))
        parts: list[str] = []
        for delta in self.model.stream(ANSWER_SYSTEM_PROMPT, self.prompt(question, passages, evidence)):
            parts.append(delta)
            if on_token is not None:
                on_token(delta)
        return parse_answer("".join(parts), len(passages), model_name=self.name, max_sentences=self.max_sentences)


def parse_answer(text: str, passage_count: int, *, model_name: str = "the model",
                 max_sentences: int = AnsweringTuning.llm_max_sentences) -> Draft:
    """A Draft from the model's full answer text (public so it can be tested on its own)."""
    parsed = parse_cited_text(text.strip())
    if not parsed:
        raise BackendError(f"{model_name} returned no usable text (got {text[:80]!r})",
                           fix="check the model and its chat template, or answer offline")
    notes: list[str] = []
    if len(parsed) > max_sentences:
        notes.append(f"answer cut to {max_sentences} of {len(parsed)} sentences")
        parsed = parsed[:max_sentences]
    sentences: list[DraftSentence] = []
    dropped_all: list[int] = []
    for sentence in parsed:
        valid, dropped = bounds_check(sentence.numbers, passage_count)
        dropped_all.extend(n for n in dropped if n not in dropped_all)
        sentences.append(DraftSentence(sentence.text, valid))
    for n in dropped_all:
        notes.append(f"dropped citation [{n}]: only {passage_count} passages were given")
    claims = [s for s in sentences if not is_refusal_sentence(s.text)]
    refused = not claims
    if refused:
        sentences = [DraftSentence(REFUSAL_TEXT, ())]
    return Draft(sentences=tuple(sentences), refused=refused, notes=tuple(notes))
