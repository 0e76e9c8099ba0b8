"""The jobs besides answering a question: greet, chat, describe the collection, summarise.

`JobRunner.run` takes an utterance `intent_classifier.py` did not label "question" and drafts
the job (`small_talk.py`, `collection_answers.py`, `extractive_summary.py`); with an LLM wanted
and configured, a summary is rewritten by it (`llm_summary.py`), the extractive draft kept
as the fallback. `finish` turns the draft into the `Answer`: quoted sentences are cited
and checked by the assistant's own `cite_and_check` (the support checker, strict mode),
and `Answer.kind` says which job was done.

Deliberately left out: answering questions (the assistant's answer path) and rendering.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from newsrag.protocols import ChatModel, Embedder
from newsrag.types import Answer, AnswerSentence, Citation, Passage, Timing, Turn
from rag.answering.draft import Draft
from rag.jobs.catalog import Catalog
from rag.jobs.collection_answers import collection_job
from rag.jobs.extractive_summary import summary_job
from rag.jobs.intent_classifier import COLLECTION, GREETING, SMALLTALK, SUMMARY, Intent
from rag.jobs.job_draft import JobDraft, answer_text
from rag.jobs.job_request import parse_request
from rag.jobs.llm_summary import llm_summary
from rag.jobs.small_talk import greeting, smalltalk
from rag.retrieval.sentence_source import SentenceSource

CiteAndCheck = Callable[[Draft, Sequence[Passage], bool], tuple[list[AnswerSentence], list[Citation]]]


@dataclass(frozen=True)
class JobResult:
    job: JobDraft
    answerer: str  # "offline" or the LLM's name
    fallback: JobDraft | None = None  # the extractive draft when an LLM wrote `job`
    notes: tuple[str, ...] = ()


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


class JobRunner:
    def __init__(self, catalog: Catalog, sentences: SentenceSource, embedder: Embedder,
                 examples: Callable[[int], Sequence[str]], chat_model: ChatModel | None = None) -> None:
        self.catalog = catalog
        self.sentences = sentences
        self.embedder = embedder
        self.examples = examples
        self.chat_model = chat_model

    def _embed(self, text: str) -> np.ndarray:
        return self.embedder.embed_query(text)

    def run(self, intent: Intent, text: str, history: Sequence[Turn], want_llm: bool) -> JobResult:
        if intent.label == GREETING:
            return JobResult(greeting(self.catalog, self.examples), "offline")
        if intent.label == SMALLTALK:
            return JobResult(smalltalk(self.catalog), "offline")
        request = parse_request(text, self.catalog.outlets())
        if intent.label == COLLECTION:
            return JobResult(collection_job(request, self.catalog), "offline")
        assert intent.label == SUMMARY, intent
        job = summary_job(request, self.catalog, self.sentences, history, self._embed)
        if not want_llm or self.chat_model is None or job.kind != "summary":
            return JobResult(job, "offline")
        try:
            written = llm_summary(self.chat_model, text, job)
        except Exception as exc:  # an LLM failure never reaches the user: the extractive summary stands
            return JobResult(job, "offline", notes=(f"LLM unavailable ({type(exc).__name__}); "
                                                   "kept the extractive summary",))
        if written.draft.refused:
            return JobResult(job, "offline", notes=("the LLM declined to summarize; kept the extractive summary",))
        return JobResult(written, self.chat_model.name, fallback=job, notes=written.draft.notes)


def finish(question: str, query: str, result: JobResult, cite_and_check: CiteAndCheck,
           strict: bool, timings: Sequence[Timing], started: float, notes: Sequence[str] = ()) -> Answer:
    """The Answer for a job: its quoted sentences cited and checked, its kind, its text.

    `started`: `time.perf_counter()` when answering began, for the "total" timing."""
    t0 = time.perf_counter()
    job, answerer, all_notes = result.job, result.answerer, [*notes, *result.notes]
    sentences, citations = cite_and_check(job.draft, job.passages, strict) if job.draft.sentences else ([], [])
    if job.draft.sentences and not sentences and result.fallback is not None:
        all_notes.append("no sentence of the LLM summary was supported by its citations; kept the extractive one")
        job, answerer = result.fallback, "offline"
        sentences, citations = cite_and_check(job.draft, job.passages, strict)
    if job.draft.sentences and not sentences:
        all_notes.append("no quoted sentence was supported by its citations in strict mode")
        job = JobDraft("refusal", Draft((), True), job.passages,
                       reply="I could not find sentences in the indexed articles that I can stand behind for this.")
    unsupported = sum(not s.check.supported for s in sentences)
    if unsupported:
        all_notes.append(f"{unsupported} sentence(s) not supported by their citations")
    all_notes.extend(job.draft.notes)
    done = [*timings, Timing("check", _ms(t0))]
    return Answer(
        question=question, query=query, text=answer_text(job, sentences, citations), sentences=tuple(sentences),
        citations=tuple(citations), passages=job.passages, refused=job.kind == "refusal", answerer=answerer,
        timings=(*done, Timing("total", _ms(started))), notes=tuple(dict.fromkeys(all_notes)),
        kind=job.kind, heading=job.heading if sentences else None, suggestions=job.suggestions,
    )
