"""Run a question set against one or more configurations and score every answer.

`run_eval(settings, questions_path, configs, out_dir)` indexes the articles (the seeds,
or the user's `articles` folder) once into a private data dir, then runs every question
in this one process: through `Assistant.ask` (history passed as Turns) for answering
configurations, through the retriever alone for retrieval-only ones, and through plain
llama-index for the baseline. Each answer is reduced to a `QuestionScore`
(`evals/metrics.py`) and aggregated; `evals/report.py` writes the report.

Retrieval metrics of an answering configuration are computed on the passages the
answerer actually saw (the settings' top_k); retrieval-only configurations score their
own depth (10 for "hybrid", 2 for the baseline). Retrieval-only configurations condense a
follow-up with the product's deterministic condenser (`rag.followup_rules`), so every
configuration searches the same standalone query.

An optional LLM judge (`judge=True` with an LLM configured) grades correctness and
faithfulness; a failed or unparseable judgement is counted as such, never dropped.

`run_eval_command(EvalRequest(...), settings)` is one `newsrag eval` run: drafts or an
evaluation, then a summary table (the flags are parsed in `cli/eval_command.py`).

Deliberately left out: metric formulas (`evals/metrics.py`), configuration names
(`evals/configs.py`), rendering (`evals/report.py`), flag parsing (`cli/`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from evals.configs import EvalConfig, resolve_configs
from evals.gold import GoldItem, LocatedEvidence, load_gold, locate_evidence
from evals.metrics import (
    QuestionScore,
    answer_correct,
    contains_evidence,
    covers_span,
    summarize,
    token_f1,
)
from evals.report import ConfigResult, EvalReport, write_report
from newsrag.errors import InputError, NewsragError
from newsrag.protocols import AssistantService, ChatModel, Embedder, IndexReader
from newsrag.settings import PROJECT_ROOT, Settings, configured_answerer
from newsrag.types import Answer, AskOptions, Chunk, Passage

SEEDS_DIR = PROJECT_ROOT / "seeds"
RETRIEVAL_DEPTH = 10
Progress = Callable[[str], None]

JUDGE_SYSTEM = (
    "You grade answers of a news question-answering system. Reply with one JSON object only: "
    '{"correct": true|false, "faithful": true|false}. "correct": the answer gives the reference '
    'answer (or, if the reference says the question is unanswerable, declines to answer). "faithful": '
    "every claim in the answer is stated in the cited passages."
)
JUDGE_PROMPT = "Question: {question}\nReference answer: {expected}\nAnswer: {answer}\nCited passages:\n{passages}\n"


# --------------------------------------------------------------------------- scoring


@dataclasses.dataclass(frozen=True)
class GoldContext:
    """What scoring needs of one gold item: its evidence texts and where they are."""

    item: GoldItem
    evidence: tuple[LocatedEvidence, ...]

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(e.text for e in self.evidence)

    def covers(self, article_id: str, start: int, end: int) -> bool:
        return any(e.article_id == article_id and covers_span(start, end, e.start, e.end) for e in self.evidence)

    def relevant(self, chunk: Chunk) -> bool:
        """Relevant = contains a gold evidence string, or covers half of its offsets."""
        if not self.evidence:
            return False
        return contains_evidence(chunk.text, self.texts) or self.covers(chunk.article_id, chunk.start, chunk.end)


def expected_text(item: GoldItem) -> str:
    return " | ".join(item.answers) if item.answerable else "(should refuse)"


def score_retrieval(ctx: GoldContext, passages: Sequence[Passage], chunks: Sequence[Chunk],
                    latency_ms: float | None) -> QuestionScore:
    item = ctx.item
    return QuestionScore(
        item_id=item.id, category=item.category, answerable=item.answerable, question=item.question,
        expected=expected_text(item), retrieval_measured=item.answerable,
        relevance=tuple(ctx.relevant(p.chunk) for p in passages),
        total_relevant=sum(1 for c in chunks if ctx.relevant(c)) if item.answerable else None,
        cited_passage=passages[0].chunk.text[:300] if passages else "", latency_ms=latency_ms,
    )


def score_answer(ctx: GoldContext, answer: Answer, total_relevant: int | None,
                 latency_ms: float | None) -> QuestionScore:
    """An Answer against its gold item (pure: no I/O)."""
    item = ctx.item
    supported_by_number: dict[int, bool] = {}
    for sentence in answer.sentences:
        for n in sentence.citations:
            supported_by_number[n] = supported_by_number.get(n, False) or sentence.check.supported
    citation_ok = tuple(
        contains_evidence(c.passage, ctx.texts) or ctx.covers(c.article_id, c.start, c.end)
        or supported_by_number.get(c.number, False)
        for c in answer.citations
    )
    correct = (not answer.refused and answer_correct(answer.text, item.answers)) if item.answerable else None
    return QuestionScore(
        item_id=item.id, category=item.category, answerable=item.answerable, question=item.question,
        expected=expected_text(item), retrieval_measured=item.answerable,
        relevance=tuple(ctx.relevant(p.chunk) for p in answer.passages), total_relevant=total_relevant,
        answered=True, got=answer.text, refused=answer.refused, correct=correct,
        f1=(0.0 if answer.refused else token_f1(answer.text, item.answers)) if item.answerable else None,
        citation_ok=citation_ok,
        sentence_cites=tuple(len(s.citations) for s in answer.sentences),
        sentence_supported=tuple(s.check.supported for s in answer.sentences),
        cited_passage=answer.citations[0].quote if answer.citations else "",
        latency_ms=latency_ms, answerer=answer.answerer, notes=answer.notes,
    )


def score_error(ctx: GoldContext, error: Exception) -> QuestionScore:
    item = ctx.item
    return QuestionScore(
        item_id=item.id, category=item.category, answerable=item.answerable, question=item.question,
        expected=expected_text(item), retrieval_measured=item.answerable, answered=True,
        correct=False if item.answerable else None, f1=0.0 if item.answerable else None,
        error=f"{type(error).__name__}: {error}",
    )


def retrieval_query(item: GoldItem) -> str:
    """What a retrieval-only configuration searches: the product's deterministic condensing."""
    from rag.followup_rules import condense_question

    return condense_question(item.history, item.question) if item.history else item.question


# --------------------------------------------------------------------------- judge


def parse_judgement(reply: str) -> tuple[bool, bool] | None:
    """The judge's {"correct", "faithful"} verdict, or None when the reply is unusable.

    >>> parse_judgement('Sure: {"correct": true, "faithful": false}')
    (True, False)
    >>> parse_judgement("yes") is None
    True
    """
    match = re.search(r"\{.*?\}", reply, re.S)
    if not match:
        return None
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), bool) for k in ("correct", "faithful")):
        return None
    return data["correct"], data["faithful"]


def judge_score(score: QuestionScore, answer: Answer, chat_model: ChatModel) -> QuestionScore:
    passages = "\n".join(f"[{c.number}] {c.quote}" for c in answer.citations) or "(none)"
    prompt = JUDGE_PROMPT.format(question=score.question, expected=score.expected, answer=answer.text,
                                 passages=passages)
    try:
        verdict = parse_judgement(chat_model.complete(JUDGE_SYSTEM, prompt))
    except Exception:  # noqa: BLE001 - any judge failure is counted, the run goes on
        verdict = None
    if verdict is None:
        return dataclasses.replace(score, judge_failed=True)
    return dataclasses.replace(score, judge_correct=verdict[0], judge_faithful=verdict[1])


# --------------------------------------------------------------------------- running


@dataclasses.dataclass
class _Workspace:
    """The private index every configuration of one run shares."""

    settings: Settings
    embedder: Embedder
    reader: IndexReader
    chunks: tuple[Chunk, ...]
    contexts: tuple[GoldContext, ...]
    root: Path


def _assistant(config: EvalConfig, ws: _Workspace) -> AssistantService:
    from rag.assistant import Assistant

    # Only the "llm" configuration gets a chat model (a GGUF would otherwise load for nothing):
    # the others run on settings that configure none.
    backend = configured_answerer(ws.settings).llm if config.answerer == "llm" else None
    no_llm = {"answerer": "offline", "llm_base_url": None, "llm_gguf_path": None}
    update = {"answerer": backend} if backend else no_llm
    settings = ws.settings.model_copy(update={**update, "retrieval_mode": config.product_mode})
    return Assistant.from_settings(settings, embedder=ws.embedder, reader=ws.reader)


def _run_assistant(config: EvalConfig, ws: _Workspace, judge_model: ChatModel | None,
                   progress: Progress) -> list[QuestionScore]:
    assistant = _assistant(config, ws)
    options = AskOptions(answerer=config.answerer)
    scores = []
    for n, ctx in enumerate(ws.contexts, 1):
        total = sum(1 for c in ws.chunks if ctx.relevant(c)) if ctx.item.answerable else None
        t0 = time.perf_counter()
        try:
            answer = assistant.ask(ctx.item.question, ctx.item.history, options)
        except NewsragError as exc:
            scores.append(score_error(ctx, exc))
            continue
        score = score_answer(ctx, answer, total, (time.perf_counter() - t0) * 1000)
        if judge_model is not None:
            score = judge_score(score, answer, judge_model)
        scores.append(score)
        if n % 20 == 0:
            progress(f"  {config.name}: {n}/{len(ws.contexts)}")
    return scores


def _run_retrieval(config: EvalConfig, ws: _Workspace) -> list[QuestionScore]:
    from newsrag.tuning import RetrievalTuning
    from rag.retrieval.hybrid_retriever import HybridRetriever

    s = ws.settings
    tuning = RetrievalTuning.from_settings(s.model_copy(update={"top_k": config.top_k or RETRIEVAL_DEPTH}))
    retriever = HybridRetriever(ws.reader, ws.embedder, tuning)
    scores = []
    for ctx in ws.contexts:
        t0 = time.perf_counter()
        found = retriever.retrieve(retrieval_query(ctx.item), mode=config.product_mode)
        scores.append(score_retrieval(ctx, found.passages, ws.chunks, (time.perf_counter() - t0) * 1000))
    return scores


def _run_baseline(config: EvalConfig, ws: _Workspace) -> tuple[list[QuestionScore], str]:
    from evals.baseline import LlamaIndexBaseline

    articles = ws.reader.articles()
    baseline = LlamaIndexBaseline(articles, ws.embedder, ws.root / "baseline-chroma", top_k=config.top_k or 2)
    scores = []
    for ctx in ws.contexts:
        t0 = time.perf_counter()
        passages = baseline.retrieve(retrieval_query(ctx.item))
        scores.append(score_retrieval(ctx, passages, baseline.chunks, (time.perf_counter() - t0) * 1000))
    sizes = [len(c.text) for c in baseline.chunks]
    note = (f"{len(baseline.chunks)} SentenceSplitter nodes for {len(articles)} articles "
            f"(mean {sum(sizes) / max(1, len(sizes)):.0f} chars per node; large nodes make hit@k easy)")
    return scores, note


def build_workspace(settings: Settings, gold_items: Sequence[GoldItem], articles_dir: Path, root: Path,
                     embedder: Embedder | None) -> tuple[_Workspace, float, list[str]]:
    from index.embedder import load_index_embedder
    from index.index_reader import open_reader
    from index.pipeline import Indexer

    ws_settings = settings.model_copy(update={"data_dir": root / "data", "chroma_url": None})
    embedder = embedder or load_index_embedder(ws_settings)
    t0 = time.perf_counter()
    report = Indexer.from_settings(ws_settings, embedder).index([articles_dir])
    index_seconds = time.perf_counter() - t0
    reader = open_reader(ws_settings, embedder)
    articles = reader.articles()
    if not articles:
        raise InputError(f"expected articles to evaluate on, got none indexed from '{articles_dir}'",
                         fix="pass --articles with a folder of .txt/.md/.html/.json articles")
    notes = [f"file problem: {p.path}: {p.message}" for p in report.problems]
    located = locate_evidence(gold_items, articles)
    missing = [e for e in located if e.article_id is None]
    if missing:
        notes.append(f"{len(missing)} evidence string(s) not found verbatim in the cleaned articles "
                     f"(first from '{missing[0].item_id}'); they count only by normalised text")
    by_item: dict[str, list[LocatedEvidence]] = {}
    for e in located:
        by_item.setdefault(e.item_id, []).append(e)
    contexts = tuple(GoldContext(i, tuple(by_item.get(i.id, ()))) for i in gold_items)
    ws = _Workspace(ws_settings, embedder, reader, tuple(reader.all_chunks()), contexts, root)
    return ws, index_seconds, notes


def run_eval(
    settings: Settings,
    questions_path: Path | str | None = None,
    configs: Sequence[str] | None = None,
    out_dir: Path | str | None = None,
    *,
    articles: Path | str | None = None,
    judge: bool = False,
    include_drafts: bool = False,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> EvalReport:
    """Evaluate `configs` (names; None = all available) on a question set; write the report if out_dir."""
    from evals.gold import SEEDS_QA_PATH

    say = progress or (lambda _msg: None)
    questions_path = Path(questions_path) if questions_path else SEEDS_QA_PATH
    articles_dir = Path(articles) if articles else SEEDS_DIR
    if not articles_dir.exists():
        raise InputError(f"expected an articles folder or file, got nothing at '{articles_dir}'",
                         fix="pass --articles with an existing folder")
    gold = load_gold(questions_path, include_drafts=include_drafts)
    chosen = resolve_configs(configs, settings)
    judge_model = None
    if judge:
        from rag.llm.chat_models import build_chat_model

        if not settings.llm_base_url:
            raise InputError("expected an LLM endpoint for --judge, got none",
                             fix="set NEWSRAG_LLM_BASE_URL (an OpenAI-compatible server) or drop --judge")
        judge_model = build_chat_model(settings.model_copy(update={"answerer": "openai"}))
    root = Path(tempfile.mkdtemp(prefix="newsrag-eval-"))
    try:
        say(f"indexing {articles_dir} ...")
        ws, index_seconds, notes = build_workspace(settings, gold.items, articles_dir, root, embedder)
        results = []
        for config in chosen:
            say(f"running {config.name} on {len(gold.items)} questions ...")
            t0 = time.perf_counter()
            note = ""
            if config.kind == "baseline":
                scores, note = _run_baseline(config, ws)
            elif config.kind == "retrieval":
                scores = _run_retrieval(config, ws)
            else:
                scores = _run_assistant(config, ws, judge_model if config.answers else None, say)
                if config.answerer == "llm":
                    offline = sum(1 for q in scores if q.answered and q.answerer == "offline" and not q.error)
                    note = (f"{offline} of {len(scores)} answers came from the offline answerer "
                            "(LLM failed, refused to cite, or was unsupported)") if offline else ""
            results.append(ConfigResult(config, summarize(scores), tuple(scores), time.perf_counter() - t0, note))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report = EvalReport(
        questions_path=str(questions_path), articles=str(articles_dir),
        composition=tuple(gold.composition().items()), results=tuple(results),
        created=dt.datetime.now().isoformat(timespec="seconds"), index_seconds=index_seconds, notes=tuple(notes),
    )
    return write_report(report, out_dir) if out_dir is not None else report


# --------------------------------------------------------------------------- one `newsrag eval` run


@dataclasses.dataclass(frozen=True)
class EvalRequest:
    """What one `newsrag eval` was asked to do (cli/eval_command.py builds it from the flags)."""

    questions: Path | None = None  # None: the curated seeds set
    articles: Path | None = None  # None: seeds/
    configs: tuple[str, ...] = ()  # none: every available configuration
    out: Path | None = None  # None: reports/eval-<time>
    judge: bool = False
    include_drafts: bool = False
    generate: Path | None = None  # write draft questions here instead of evaluating


def run_eval_command(request: EvalRequest, settings: Settings, print_fn: Callable[[str], None] = print) -> int:
    """One `newsrag eval`: drafts questions, or evaluates and prints a summary table and where the
    report is. Raises NewsragError on bad input (the CLI prints it and exits 2)."""
    from evals.report import fmt

    if request.generate:
        from evals.generate import generate_drafts

        items = generate_drafts(settings, request.generate, articles=request.articles)
        print_fn(f"wrote {len(items)} draft question(s) to {request.generate}; review them (see evals/FORMAT.md)")
        return 0
    out = request.out or Path("reports") / f"eval-{dt.datetime.now():%Y%m%d-%H%M%S}"
    report = run_eval(settings, request.questions, request.configs or None, out, articles=request.articles,
                      judge=request.judge, include_drafts=request.include_drafts, progress=print_fn)
    cols = ("hit_at_5", "mrr", "ndcg_at_10", "answer_accuracy", "citation_precision", "faithfulness",
            "refusal_recall", "latency_p50_ms")
    print_fn(f"{'configuration':22s} " + " ".join(f"{c[:12]:>12s}" for c in cols))
    for r in report.results:
        print_fn(f"{r.config.name:22s} " + " ".join(f"{fmt(getattr(r.summary, c), c):>12s}" for c in cols))
    print_fn(f"report: {Path(out) / 'report.md'}")
    return 0
