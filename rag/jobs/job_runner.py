"""The jobs besides answering a question: greet, chat, describe the collection, summarise.

`JobRunner.run` takes an utterance `intent_classifier.py` did not label "question" and drafts
the job (`small_talk.py`, `collection_answers.py`, `extractive_summary.py`); with an LLM wanted
and configured, a summary is rewritten by it (`llm_summary.py`), the extractive draft kept
as the fallback. It hands back a `Drafted`, which `rag/answer_assembly.py` cites, checks and
turns into the Answer exactly as it does a question's answer.

Deliberately left out: answering questions (the assistant's answer path), citing and
checking, and rendering.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from newsrag.protocols import ChatModel, Embedder
from newsrag.types import Turn
from rag.jobs.catalog import Catalog
from rag.jobs.collection_answers import collection_job
from rag.jobs.extractive_summary import summary_job
from rag.jobs.intent_classifier import COLLECTION, GREETING, SMALLTALK, SUMMARY, Intent
from rag.jobs.job_draft import OFFLINE_ANSWERER, Drafted
from rag.jobs.job_request import parse_request
from rag.jobs.llm_summary import llm_summary
from rag.jobs.small_talk import greeting, smalltalk
from rag.retrieval.sentence_source import SentenceSource


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

    def run(self, intent: Intent, text: str, history: Sequence[Turn], want_llm: bool) -> Drafted:
        if intent.label == GREETING:
            return Drafted(greeting(self.catalog, self.examples), OFFLINE_ANSWERER)
        if intent.label == SMALLTALK:
            return Drafted(smalltalk(self.catalog), OFFLINE_ANSWERER)
        request = parse_request(text, self.catalog.outlets())
        if intent.label == COLLECTION:
            return Drafted(collection_job(request, self.catalog), OFFLINE_ANSWERER)
        assert intent.label == SUMMARY, intent
        job = summary_job(request, self.catalog, self.sentences, history, self._embed)
        if not want_llm or self.chat_model is None or job.kind != "summary":
            return Drafted(job, OFFLINE_ANSWERER)
        try:
            written = llm_summary(self.chat_model, text, job)
        except Exception as exc:  # an LLM failure never reaches the user: the extractive summary stands
            return Drafted(job, OFFLINE_ANSWERER, notes=(f"LLM unavailable ({type(exc).__name__}); "
                                                         "kept the extractive summary",))
        if written.draft.refused:
            return Drafted(job, OFFLINE_ANSWERER,
                           notes=("the LLM declined to summarize; kept the extractive summary",))
        return Drafted(written, self.chat_model.name, offline=lambda: job)
