"""One path from a draft to an Answer, for a question and for every other job alike.

`check_drafted` numbers a draft's citations and checks each sentence against what it cites
(the assistant's cite-and-check, which also fills in each citation's dates and copies).
When an LLM wrote the draft and none of its sentences survives, the offline draft takes
over, and a note says so. `assemble` then writes the Answer: its kind (a draft that keeps
no sentence is a refusal), its text (the refusal, a job's reply, or the checked sentences
laid out as the job wants), its notes (each said once, in order) and its timings, closed
by "total".

A question's answer goes through the same two steps as a summary or a list of articles:
it is a `JobDraft` of kind "answer" laid out as prose, so every rule about fallbacks,
strict mode, unsupported sentences and refusals is written here once.

Deliberately left out: drafting (`rag/answering/`, `rag/jobs/`) and the sources that
disagree (`rag/research/disputed_claims.py`, which the assistant calls between the two
steps, appending the other side of a dispute to the citations).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from newsrag.types import Answer, AnswerSentence, Citation, Disagreement, Draft, Passage, Timing
from rag.jobs.job_draft import OFFLINE_ANSWERER, Drafted, JobDraft, answer_text

CiteAndCheck = Callable[[Draft, Sequence[Passage], bool], tuple[list[AnswerSentence], list[Citation]]]


@dataclass(frozen=True)
class Checked:
    """A draft whose sentences are cited and checked; `citations` may still grow (disputes)."""

    reply: JobDraft
    answerer: str
    sentences: tuple[AnswerSentence, ...]
    citations: list[Citation]

    @property
    def refused(self) -> bool:
        """Nothing to say: a refusal drafted as one, or a draft that kept no sentence."""
        return self.reply.kind == "refusal" or (self.reply.reply is None and not self.sentences)


def check_drafted(drafted: Drafted, cite: CiteAndCheck, strict: bool, notes: list[str]) -> Checked:
    """Cite and check the draft, falling back to the offline one when an LLM's keeps no sentence."""
    reply, answerer = drafted.reply, drafted.answerer
    notes.extend(drafted.notes)
    notes.extend(reply.draft.notes)
    sentences, citations = _cite(reply, cite, strict)
    if reply.draft.sentences and not sentences and drafted.offline is not None:
        what = "answer" if reply.kind == "answer" else reply.kind
        notes.append(f"no sentence of the LLM {what} was supported by its citations; "
                     "fell back to the offline answerer")
        reply, answerer = drafted.offline(), OFFLINE_ANSWERER
        notes.extend(reply.draft.notes)
        sentences, citations = _cite(reply, cite, strict)
    if reply.draft.sentences and not sentences:
        notes.append("no sentence was supported by its citations in strict mode")
    unsupported = sum(not s.check.supported for s in sentences)
    if unsupported:
        notes.append(f"{unsupported} sentence(s) not supported by their citations")
    return Checked(reply, answerer, tuple(sentences), citations)


def _cite(reply: JobDraft, cite: CiteAndCheck, strict: bool) -> tuple[list[AnswerSentence], list[Citation]]:
    return cite(reply.draft, reply.passages, strict) if reply.draft.sentences else ([], [])


def assemble(question: str, query: str, checked: Checked, *, refusal: str, timings: Sequence[Timing],
             started: float, notes: Sequence[str], short: str | None = None,
             disagreements: Sequence[Disagreement] = ()) -> Answer:
    """The Answer; `refusal` is what it says when nothing is left to say and no reply was drafted.

    `started`: `time.perf_counter()` when answering began, for the "total" timing."""
    reply, refused = checked.reply, checked.refused
    # A drafted reply (a greeting, a job's own refusal) is said as written; otherwise a draft
    # that kept nothing says `refusal`.
    text = refusal if refused and reply.reply is None else answer_text(reply, checked.sentences, checked.citations)
    total = round((time.perf_counter() - started) * 1000, 3)
    return Answer(
        question=question, query=query, text=text, sentences=checked.sentences,
        citations=tuple(checked.citations), passages=reply.passages, refused=refused, answerer=checked.answerer,
        timings=(*timings, Timing("total", total)), notes=tuple(dict.fromkeys(notes)),
        kind="refusal" if refused else reply.kind, heading=reply.heading if checked.sentences else None,
        suggestions=reply.suggestions, short=None if refused else short,
        confidence=reply.draft.confidence, disagreements=tuple(disagreements),
    )
