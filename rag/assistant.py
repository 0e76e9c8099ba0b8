"""The Assistant: one question in, one cited and checked Answer out.

`ask` runs the read path: validate the question, condense a follow-up into a
standalone query, retrieve (dense + BM25), draft an answer (offline extractive, or an
LLM), number citations by evidence span and check every sentence against its citations
(`rag/checking/cite_and_check.py`), add each citation's resolved dates and other copies of its story
(`rag/research/provenance.py`), look for sources that disagree with what is cited
(`rag/research/disputed_claims.py`), apply strict mode, and time each stage. LLM failures never
escape: the offline answerer takes over and the Answer carries a note saying so.
`timeline` lists the dated sentences of the articles matching a topic (`rag/research/timeline.py`).

Heavy parts (embedding model, index reader, checker) load lazily but once, so the UI
can start before the model is warm and a CLI `status` never loads the model.

Deliberately left out: rendering (the UI and CLI format Answers) and conversation
memory (`rag/conversation.py`).
"""

from __future__ import annotations

import functools
import queue
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import numpy as np

from newsrag.errors import InputError
from newsrag.filters import describe
from newsrag.protocols import Answerer, ChatModel, Checker, Embedder, IndexReader, Reranker
from newsrag.settings import Settings, configured_answerer
from newsrag.types import (
    Answer,
    AnswerSentence,
    Article,
    AskOptions,
    Citation,
    Disagreement,
    Draft,
    Evidence,
    IndexStatus,
    Passage,
    Timeline,
    Timing,
    Turn,
)
from rag.answer_assembly import Checked, assemble, check_drafted
from rag.answering.combined_scorer import CombinedScorer, load_reading
from rag.answering.offline_answerer import OfflineAnswerer
from rag.answering.sentence_reader import SentenceReader
from rag.answering.sentence_scorer import load_scorer
from rag.checking.cite_and_check import citation_of, cite_and_check
from rag.conversation_starters import example_questions as _example_questions
from rag.followup_rules import condense_question
from rag.jobs.catalog import Catalog
from rag.jobs.intent_classifier import GREETING, QUESTION, SMALLTALK, Intent, IntentClassifier, load_intent_classifier
from rag.jobs.job_draft import OFFLINE_ANSWERER, Drafted, JobDraft
from rag.jobs.job_runner import JobRunner
from rag.language.refusal import question_refusal
from rag.research.conflict_nli import load_conflict_detector
from rag.research.disputed_claims import ContradictionFinder, disagreement, disputed_citations
from rag.research.provenance import Provenance, dated_short_answer
from rag.research.timeline import build_timeline
from rag.retrieval.hybrid_retriever import HybridRetriever, Retrieval
from rag.retrieval.sentence_source import SentenceSource

_T = TypeVar("_T")
EXAMPLE_ARTICLES = 100  # the newest articles example questions are drawn from: a bounded cost at any size
# What a job says when none of the sentences it quoted is supported by its citations (strict mode).
JOB_REFUSAL = "I could not find sentences in the indexed articles that I can stand behind for this."
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


def clean_question(question: str, max_chars: int) -> str:
    """The question without control characters and runs of whitespace; InputError if unusable."""
    if not isinstance(question, str):
        raise InputError(f"expected a question as text, got {type(question).__name__}", fix="pass a string")
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", question))
    text = " ".join(text.split())
    if not text:
        raise InputError("expected a question, got an empty string", fix="type a question about the indexed articles")
    if len(text) > max_chars:
        raise InputError(
            f"expected a question of at most {max_chars} characters, got {len(text)}",
            fix=f"shorten the question to {max_chars} characters, or raise NEWSRAG_MAX_QUESTION_CHARS",
        )
    return text


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


def _read_status(settings: Settings) -> IndexStatus:
    from index.index_reader import read_status

    return read_status(settings)


def _load_into(out: list[_T | BaseException], load: Callable[..., _T], *args: object) -> None:
    """`load(*args)`'s result, or the exception it raised, appended to `out` (for a loading thread)."""
    try:
        out.append(load(*args))
    except BaseException as exc:  # noqa: BLE001 - re-raised by the thread that waits for it
        out.append(exc)


class Assistant:
    """Answers questions over one index; thread-safe for concurrent `ask` calls."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder_factory: Callable[[], Embedder],
        reader_factory: Callable[[Embedder], IndexReader],
        checker_factory: Callable[[Embedder], Checker],
        chat_model: ChatModel | None = None,
        llm_answerer_factory: Callable[[ChatModel], Answerer] | None = None,
        llm_condenser: Callable[[ChatModel, Sequence[Turn], str], str] | None = None,
        reranker: Reranker | None = None,
        status_reader: Callable[[], IndexStatus] | None = None,
    ) -> None:
        self.settings = settings
        # Counts from the manifest alone, for a status asked before the index is opened (a page
        # that has just started): no Chroma import, no model.
        self._status_reader = status_reader
        self._embedder_factory = embedder_factory
        self._reader_factory = reader_factory
        self._checker_factory = checker_factory
        self.chat_model = chat_model
        self._llm_answerer = llm_answerer_factory(chat_model) if chat_model and llm_answerer_factory else None
        self._llm_condenser = llm_condenser
        self._reranker = reranker
        self._lock = threading.RLock()
        self._embedder: Embedder | None = None
        self._retriever: HybridRetriever | None = None
        self._checker: Checker | None = None
        self._offline: OfflineAnswerer | None = None
        self._examples: tuple[str, list[str]] | None = None
        # Recognising what is asked, and the jobs besides answering (rag/jobs/intent_classifier.py,
        # rag/jobs/job_runner.py).
        self._intents: IntentClassifier | None = None
        self._catalog: Catalog | None = None
        self._provenance: Provenance | None = None
        self._contradictions: ContradictionFinder | None = None
        self._jobs: JobRunner | None = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        reader: IndexReader | None = None,
        chat_model: ChatModel | None = None,
        checker: Checker | None = None,
    ) -> Assistant:
        from rag.retrieval.reranker import load_reranker

        def load_emb() -> Embedder:
            if embedder is not None:
                return embedder
            from index.embedder import load_query_embedder

            return load_query_embedder(settings)

        def open_reader(emb: Embedder) -> IndexReader:
            if reader is not None:
                return reader
            from index.index_reader import open_reader as _open

            return _open(settings, emb)

        def make_checker(emb: Embedder) -> Checker:
            if checker is not None:
                return checker
            from rag.checking.support_checker import SupportChecker

            return SupportChecker(embedder=emb, nli_model=settings.nli_model)

        llm_answerer_factory = llm_condenser = None
        if chat_model is None:
            from rag.llm.chat_models import build_chat_model

            chat_model = build_chat_model(settings)
        if chat_model is not None:
            from rag.answering.llm_answerer import LLMAnswerer
            from rag.followup_llm import condense_with_llm

            llm_answerer_factory = LLMAnswerer
            llm_condenser = condense_with_llm
        return cls(
            settings,
            embedder_factory=load_emb,
            reader_factory=open_reader,
            checker_factory=make_checker,
            chat_model=chat_model,
            llm_answerer_factory=llm_answerer_factory,
            llm_condenser=llm_condenser,
            reranker=load_reranker(settings),
            status_reader=None if reader is not None else functools.partial(_read_status, settings),
        )

    def _ready(self) -> HybridRetriever:
        retriever = self._retriever
        if retriever is not None:
            return retriever
        with self._lock:
            if self._retriever is None:
                # The reader's ONNX session is built on a thread while Chroma is imported and opened:
                # onnxruntime builds it outside the GIL, so a cold start pays for the longer one only.
                loaded: list[tuple[SentenceReader, CombinedScorer] | None | BaseException] = []
                loading = threading.Thread(target=_load_into, args=(loaded, load_reading, self.settings.sentence_reader,
                                                                      self.settings.query_threads), daemon=True)
                loading.start()
                emb = self.embedder
                try:
                    reader = self._reader_factory(emb)
                finally:
                    loading.join()
                reading = loaded[0]
                if isinstance(reading, BaseException):
                    raise reading
                retriever = HybridRetriever.from_settings(self.settings, reader, emb, self._reranker)
                self._checker = self._checker_factory(emb)
                self._offline = OfflineAnswerer(
                    scorer=load_scorer(str(self.settings.scorer_path) if self.settings.scorer_path else None),
                    sentences=SentenceSource(reader, emb), embedder=emb, idf=retriever.idf,
                    refusal_threshold=self.settings.refusal_threshold,
                    sentence_reader=reading[0] if reading else None, combiner=reading[1] if reading else None,
                )
                self._intents = load_intent_classifier()
                self._catalog = Catalog(reader, retriever.lexical)
                self._provenance = Provenance(reader)
                self._contradictions = ContradictionFinder(load_conflict_detector(self.settings.nli_model),
                                                           self._offline.sentences)
                self._jobs = JobRunner(self._catalog, self._offline.sentences, emb, self.example_questions,
                                       self.chat_model if self._llm_answerer is not None else None)
                self._retriever = retriever
            return self._retriever

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = self._embedder_factory()
        return self._embedder

    @property
    def retriever(self) -> HybridRetriever:
        return self._ready()

    @property
    def reader(self) -> IndexReader:
        return self._ready().reader

    @property
    def provenance(self) -> Provenance:
        self._ready()
        assert self._provenance is not None
        return self._provenance

    @property
    def checker(self) -> Checker:
        self._ready()
        assert self._checker is not None
        return self._checker

    @property
    def offline_answerer(self) -> OfflineAnswerer:
        self._ready()
        assert self._offline is not None
        return self._offline

    # ------------------------------------------------------------------ index facts
    def status(self) -> IndexStatus:
        if self._retriever is None and self._status_reader is not None:
            return self._status_reader()
        return self.reader.status()

    def article(self, article_id: str) -> Article:
        found = self.reader.article(article_id)
        if found is None:
            raise InputError(f"expected the id of an indexed article, got {article_id!r}",
                             fix="pick an id listed by `newsrag status` or shown next to a citation")
        return found

    def refresh(self) -> None:
        """Re-open the index (after a re-index elsewhere); the BM25 cache follows the generation."""
        with self._lock:
            if self._retriever is not None:
                self._retriever.set_reader(self._reader_factory(self.embedder))
                if self._catalog is not None:
                    self._catalog.set_reader(self._retriever.reader)
                if self._provenance is not None:
                    self._provenance.set_reader(self._retriever.reader)
            self._examples = None

    def example_questions(self, n: int = 4) -> list[str]:
        """Questions drawn from the indexed articles that the offline answerer can answer."""
        reader = self.reader
        gen = reader.generation()
        cached = self._examples
        if cached is not None and cached[0] == gen and len(cached[1]) >= n:
            return cached[1][:n]

        def answerable(q: str) -> bool:
            retrieval = self.retriever.retrieve(q, mode=self.settings.retrieval_mode)
            draft = self.offline_answerer.draft(q, retrieval.passages, query_embedding=retrieval.query_embedding)
            return not draft.refused

        # From the newest articles only: the examples' cost stays the same at any archive size.
        newest = reader.newest_articles(EXAMPLE_ARTICLES)
        articles = [a for f in sorted(newest, key=lambda f: f.id) if (a := reader.article(f.id)) is not None]
        out = _example_questions(articles, max(n, 4), answerable)
        self._examples = (gen, out)
        return out[:n]

    # ------------------------------------------------------------------ answering
    def ask(self, question: str, history: Sequence[Turn] = (), options: AskOptions | None = None) -> Answer:
        return self._ask(question, history, options, None)

    def stream(self, question: str, history: Sequence[Turn] = (), options: AskOptions | None = None
               ) -> Iterator[str | Answer]:
        """Text deltas as they are produced, then the final Answer (always last)."""
        clean_question(question, self.settings.max_question_chars)  # raise InputError before starting
        deltas: queue.Queue[str | None] = queue.Queue()
        result: dict[str, object] = {}

        def run() -> None:
            try:
                result["answer"] = self._ask(question, history, options, deltas.put)
            except BaseException as exc:  # re-raised in the consumer's thread
                result["error"] = exc
            finally:
                deltas.put(None)

        worker = threading.Thread(target=run, name="newsrag-ask", daemon=True)
        worker.start()
        streamed = False
        while (item := deltas.get()) is not None:
            streamed = True
            yield item
        worker.join()
        if "error" in result:
            raise result["error"]  # type: ignore[misc]
        answer = result["answer"]
        assert isinstance(answer, Answer)
        if not streamed:
            yield from re.findall(r"\S+\s*", answer.text)
        yield answer

    def _ask(self, question: str, history: Sequence[Turn], options: AskOptions | None,
             on_token: Callable[[str], None] | None) -> Answer:
        t_total = time.perf_counter()
        settings = self.settings
        options = options or AskOptions()
        text = clean_question(question, settings.max_question_chars)
        retriever = self._ready()
        notes: list[str] = []
        timings: list[Timing] = []
        want_llm = (options.answerer or configured_answerer(settings).default) != "offline"
        if want_llm and self._llm_answerer is None:
            notes.append("no LLM is configured; answered with the offline answerer")
            want_llm = False
        # Embedded once: the intent model reads the vector, and retrieval reuses it when the
        # question needs no rewriting (a follow-up's standalone form is embedded by retrieval).
        t0 = time.perf_counter()
        vector = self.embedder.embed_query(text) if settings.retrieval_mode != "bm25" else None
        question_embed_ms = _ms(t0)
        intent = self.intent(text, vector)
        if intent.label != QUESTION:
            return self._do_job(text, intent, history, options, want_llm, notes, t_total)

        t0 = time.perf_counter()
        query = self._condense(history, text, want_llm, notes)
        timings.append(Timing("condense", _ms(t0)))

        retrieval = retriever.retrieve(query, top_k=options.top_k, where=options.filter, mode=settings.retrieval_mode,
                                       query_embedding=vector if query == text else None)
        timings.append(Timing("embed", round(question_embed_ms + retrieval.embed_ms, 3)))
        timings.append(Timing("retrieve", round(retrieval.search_ms, 3)))
        passages = list(retrieval.passages)

        t0 = time.perf_counter()
        drafted: Drafted | None = None
        llm_notes: tuple[str, ...] = ()
        if retrieval.filter_matches_nothing:
            drafted = self._answer(Draft((), True, (f"no indexed article matches the filter "
                                                    f"({describe(options.filter)}); widen or clear it",)),
                                   passages, OFFLINE_ANSWERER)
        elif want_llm and passages:
            assert self._llm_answerer is not None
            try:
                evidence = self.offline_answerer.evidence_for_llm(query, passages, retrieval.query_embedding)
                written = self._llm_answerer.draft(query, passages, on_token, evidence=evidence or None)
                drafted = Drafted(JobDraft("answer", written, tuple(passages)),
                                  self.chat_model.name if self.chat_model is not None else "llm",
                                  offline=lambda: self._answer(self._offline_draft(query, passages, retrieval),
                                                               passages, OFFLINE_ANSWERER).reply)
            except Exception as exc:  # an LLM failure must never reach the user as a crash
                llm_notes = (f"LLM unavailable ({_describe(exc)}); fell back to the offline answerer",)
        if drafted is None:
            drafted = self._answer(self._offline_draft(query, passages, retrieval), passages, OFFLINE_ANSWERER,
                                   llm_notes)
        timings.append(Timing("answer", _ms(t0)))

        t0 = time.perf_counter()
        strict = settings.strict if options.strict is None else options.strict
        checked = check_drafted(drafted, self._cite_and_check, strict, notes)
        timings.append(Timing("check", _ms(t0)))

        t0 = time.perf_counter()
        disagreements = () if checked.refused else self._disagreements(checked.citations, passages, retrieval)
        if disagreements:
            notes.append("the sources disagree about this: each side is shown with its source")
        timings.append(Timing("disagree", _ms(t0)))
        return assemble(text, query, checked, refusal=question_refusal(text), timings=timings, started=t_total,
                        notes=notes, short=self._short_answer(checked), disagreements=disagreements)

    @staticmethod
    def _answer(draft: Draft, passages: Sequence[Passage], answerer: str, notes: Sequence[str] = ()) -> Drafted:
        return Drafted(JobDraft("answer", draft, tuple(passages)), answerer, notes=tuple(notes))

    @staticmethod
    def _short_answer(checked: Checked) -> str | None:
        """The draft's short answer when the answer still states it; a relative date made absolute."""
        short, sentences = checked.reply.draft.short, checked.sentences
        if checked.refused or not short or short not in " ".join(s.text for s in sentences):
            return None
        first = sentences[0].citations[0] if sentences[0].citations else None
        return dated_short_answer(short, checked.citations[first - 1] if first else None)

    def _disagreements(self, citations: list[Citation], passages: Sequence[Passage], retrieval: Retrieval
                       ) -> tuple[Disagreement, ...]:
        """Retrieved sentences that contradict cited ones; each other side is appended as a citation."""
        assert self._contradictions is not None
        out = []
        for found in self._contradictions.find(citations, passages, retrieval.query_embedding):
            other = found.other
            number = len(citations) + 1
            evidence = Evidence(passages.index(other.passage) + 1, other.start, other.end)
            citations.extend(self.provenance.complete([citation_of(number, other.passage, evidence)]))
            cited = citations[found.citation - 1]
            out.append(disagreement(found, cited.quote, number))
        disputed = disputed_citations(citations)
        return (*out, disputed) if disputed is not None else tuple(out)

    def timeline(self, query: str, options: AskOptions | None = None) -> Timeline:
        """The dated sentences of the articles matching `query`, earliest first (rag/research/timeline.py)."""
        text = clean_question(query, self.settings.max_question_chars)
        options = options or AskOptions()
        return build_timeline(text, self._ready(), self.provenance, mode=self.settings.retrieval_mode,
                              where=options.filter)

    def intent(self, text: str, embedding: np.ndarray | None = None) -> Intent:
        """What `text` asks for (rag/jobs/intent_classifier.py), read with the utterance's vector when the model can
        (`embedding`: that vector, when the caller already has it)."""
        self._ready()
        assert self._intents is not None
        return self._intents.classify_with(text, self.embedder, embedding)

    def _do_job(self, text: str, intent: Intent, history: Sequence[Turn], options: AskOptions, want_llm: bool,
                notes: list[str], started: float) -> Answer:
        """A greeting, small talk, a collection list or a summary, cited and checked (rag/jobs/job_runner.py)."""
        assert self._jobs is not None
        t0 = time.perf_counter()
        drafted = self._jobs.run(intent, text, history, want_llm)
        timings = [Timing("job", _ms(t0))]
        t0 = time.perf_counter()
        strict = self.settings.strict if options.strict is None else options.strict
        checked = check_drafted(drafted, self._cite_and_check, strict, notes)
        timings.append(Timing("check", _ms(t0)))
        return assemble(text, text, checked, refusal=JOB_REFUSAL, timings=timings, started=started, notes=notes)

    def _condense(self, history: Sequence[Turn], question: str, want_llm: bool, notes: list[str]) -> str:
        # greetings and thanks carry no topic for a follow-up to lean on
        history = [t for t in history if self.intent(t.question).label not in (GREETING, SMALLTALK)]
        if not history:
            return question
        if want_llm and self._llm_condenser is not None and self.chat_model is not None:
            try:
                rewritten = self._llm_condenser(self.chat_model, history, question)
                if rewritten and len(rewritten) <= self.settings.max_question_chars:
                    return rewritten
            except Exception as exc:  # BackendError or anything else: an LLM failure never escapes
                notes.append(f"LLM could not rewrite the follow-up ({_describe(exc)}); used the rule-based rewrite")
        return condense_question(history, question)

    def _offline_draft(self, query: str, passages: Sequence[Passage], retrieval: Retrieval) -> Draft:
        assert self._offline is not None
        return self._offline.draft(query, passages, query_embedding=retrieval.query_embedding)

    def _cite_and_check(self, draft: Draft, passages: Sequence[Passage], strict: bool
                        ) -> tuple[list[AnswerSentence], list[Citation]]:
        """Cited, checked sentences and their citations (checking/cite_and_check.py), with dates and copies."""
        sentences, citations = cite_and_check(draft, passages, self.checker, strict)
        return sentences, list(self.provenance.complete(citations))


def _describe(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
