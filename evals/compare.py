"""Measure the offline answerers on the development test split, side by side: `make eval`.

One run indexes every development article (test, validation and fit: the others are
distractors), then puts each test-split question through condensing and hybrid
retrieval once and hands the same passages to each answerer:

- `fitted`: the product's answerer: the feature scorer's first pass, the trained sentence
  reader and their fitted combination (`rag/answering/offline_answerer.py`, `rag/answering/combined_scorer.py`);
- `features-v1`: the answerer before the reader, frozen: the feature scorer alone with the
  weights it shipped with (`evals/baselines/features_scorer_v1.json`);
- `reader-only`: the reader alone: it reads every candidate sentence and quotes the one
  with the highest logit, refusing below the threshold chosen for it on the validation
  split (`evals/fit_reader.py`);
- `baseline`: the three top sentences by embedding similarity fused with IDF-weighted
  term overlap, no gates, never refuses.

Reported per answerer: accuracy (answerable questions answered with an accepted
answer), right cited sentence (answerable questions where a quoted sentence is gold
evidence), false refusals, refusal recall (unanswerable questions refused), overall
(every question right, refusals included) and the answer step's p50 latency; for the
fitted answerer also a reliability plot (predicted probability against observed
accuracy by bin) and the accuracy-coverage curve.

Deliberately left out: the support checker and citation numbering (the assistant's;
`newsrag eval` measures them on the seeds); every answerer here quotes verbatim.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from evals.devset import items_in, load_collections
from evals.fit import is_evidence, prepare
from evals.gold import GoldItem
from evals.metrics import answer_correct, normalize_answer
from newsrag.offline import configure_offline
from newsrag.settings import Settings, load_settings
from newsrag.types import Draft, DraftSentence, Evidence, Passage
from rag.answering.combined_scorer import COMBINER_FILE
from rag.answering.offline_answerer import OfflineAnswerer
from rag.answering.sentence_features import FEATURES, build_candidates
from rag.answering.sentence_reader import ReaderInput, SentenceReader, packaged_reader_dir

if TYPE_CHECKING:
    from rag.retrieval.sentence_source import SentenceSource

ANSWERERS = ("fitted", "features-v1", "reader-only", "baseline")
FROZEN_SCORER = Path(__file__).resolve().parent / "baselines" / "features_scorer_v1.json"
_SIM, _COV = FEATURES.index("sim"), FEATURES.index("coverage")
_RRF_K = 10


@dataclass(frozen=True)
class Outcome:
    item_id: str
    answerer: str
    answerable: bool
    refused: bool
    correct: bool  # accepted answer in the answer (answerable) / refused (unanswerable)
    cited_right: bool  # a quoted sentence is gold evidence (answerable only)
    evidence_retrieved: bool  # a retrieved passage holds the gold evidence (answerable only)
    confidence: float | None  # fitted: the best sentence's probability
    best_right: bool | None  # fitted: its best sentence, answered regardless of threshold, would be right
    answer_ms: float
    answer: str
    short: str | None = None  # the short answer given, if any
    short_exact: bool = False  # it equals an accepted answer (normalised)
    short_contains: bool = False  # an accepted answer occurs in it


@dataclass(frozen=True)
class Summary:
    answerer: str
    questions: int
    accuracy: float  # over answerable questions
    cited_right: float  # over answerable questions
    false_refusal: float  # over answerable questions
    refusal_recall: float  # over unanswerable questions
    overall: float  # over all questions
    evidence_in_top_k: float
    p50_answer_ms: float
    short_given: int = 0  # answerable questions answered with a short answer
    short_exact: float = 0.0  # of those, the share equal to an accepted answer
    short_contains: float = 0.0  # of those, the share holding an accepted answer


def summarize(name: str, rows: Sequence[Outcome]) -> Summary:
    ans = [r for r in rows if r.answerable]
    una = [r for r in rows if not r.answerable]

    def share(xs: Sequence[Outcome], f: Callable[[Outcome], bool]) -> float:
        return round(sum(map(f, xs)) / len(xs), 4) if xs else float("nan")

    return Summary(name, len(rows), share(ans, lambda r: r.correct), share(ans, lambda r: r.cited_right),
                   share(ans, lambda r: r.refused), share(una, lambda r: r.refused), share(rows, lambda r: r.correct),
                   share(ans, lambda r: r.evidence_retrieved),
                   round(statistics.median(r.answer_ms for r in rows), 2) if rows else float("nan"),
                   len(shorts := [r for r in ans if r.short is not None]), share(shorts, lambda r: r.short_exact),
                   share(shorts, lambda r: r.short_contains))


class TopSentencesBaseline:
    """Quotes the three sentences that rank best by embedding similarity and by term overlap."""

    name = "baseline"

    def __init__(self, sentences: SentenceSource, idf: Callable[[str], float]) -> None:
        self.sentences = sentences
        self.idf = idf

    def draft(self, question: str, passages: Sequence[Passage], query_embedding: np.ndarray) -> Draft:
        stored = self.sentences.for_chunks([p.chunk for p in passages])
        cands = build_candidates(question, passages, stored, query_embedding, self.idf).candidates
        if not cands:
            return Draft((), True)
        fused = np.zeros(len(cands))
        for column in (_SIM, _COV):
            order = np.argsort([-c.features[column] for c in cands], kind="stable")
            fused[order] += 1.0 / (_RRF_K + np.arange(1, len(cands) + 1))
        top = sorted(np.argsort(-fused, kind="stable")[:3], key=lambda i: (cands[i].passage_number, cands[i].start))
        return Draft(tuple(DraftSentence(cands[i].text, (cands[i].passage_number,),
                                         (Evidence(cands[i].passage_number, cands[i].start, cands[i].end),))
                           for i in top), False)


def _outcome(item: GoldItem, name: str, draft: Draft, passages: Sequence[Passage], ms: float,
             best_right: bool | None = None) -> Outcome:
    text = " ".join(s.text for s in draft.sentences)
    refused = draft.refused or not draft.sentences
    short = draft.short if item.answerable and not refused else None
    accepted = {normalize_answer(a) for a in item.answers}
    retrieved = item.answerable and any(_inside(e.text, p.chunk.text) for e in item.evidence for p in passages)
    return Outcome(
        item_id=item.id, answerer=name, answerable=item.answerable, refused=refused,
        correct=(not refused and answer_correct(text, item.answers)) if item.answerable else refused,
        cited_right=item.answerable and not refused and any(is_evidence(s.text, item) for s in draft.sentences),
        evidence_retrieved=retrieved, confidence=draft.confidence, best_right=best_right, answer_ms=round(ms, 3),
        answer=text[:300], short=short,
        short_exact=short is not None and normalize_answer(short) in accepted,
        short_contains=short is not None and answer_correct(short, item.answers),
    )


def _inside(evidence: str, passage: str) -> bool:
    from evals.metrics import normalize_passage

    return normalize_passage(evidence) in normalize_passage(passage)


class ReaderOnly:
    """Quotes the candidate sentence the reader scores highest; refuses below its own validation threshold."""

    name = "reader-only"

    def __init__(self, answerer: OfflineAnswerer, reader: SentenceReader, threshold: float) -> None:
        self.answerer = answerer
        self.reader = reader
        self.threshold = threshold

    def draft(self, question: str, passages: Sequence[Passage], query_embedding: np.ndarray) -> Draft:
        cands = self.answerer.score(question, passages, query_embedding).candidates
        if not cands.candidates:
            return Draft((), True)
        titles = [p.chunk.title for p in passages]
        logits = self.reader.logits(cands.question, [ReaderInput(c.text, titles[c.passage_number - 1])
                                                     for c in cands.candidates])
        best = int(np.argmax(logits))
        confidence = float(1 / (1 + np.exp(-logits[best])))
        if confidence < self.threshold:
            return Draft((), True, confidence=confidence)
        c = cands.candidates[best]
        return Draft((DraftSentence(c.text, (c.passage_number,), (Evidence(c.passage_number, c.start, c.end),)),),
                     False, confidence=confidence)


def run(settings: Settings, items: Sequence[GoldItem], names: Sequence[str] = ANSWERERS) -> list[Outcome]:
    from rag.answering.combined_scorer import load_reading
    from rag.answering.sentence_scorer import load_scorer
    from rag.assistant import Assistant
    from rag.followup_rules import condense_question
    from rag.retrieval.sentence_source import SentenceSource

    assistant = Assistant.from_settings(settings)
    retriever = assistant.retriever
    fitted = assistant.offline_answerer
    sentences = SentenceSource(assistant.reader, assistant.embedder)
    frozen = OfflineAnswerer(scorer=load_scorer(str(FROZEN_SCORER)), sentences=sentences,
                             embedder=assistant.embedder, idf=retriever.idf)
    reading = load_reading(settings.sentence_reader, settings.query_threads)
    reader_only = None
    if reading is not None:
        folder = packaged_reader_dir() if settings.sentence_reader == "packaged" else Path(settings.sentence_reader)
        record = json.loads((folder / COMBINER_FILE).read_text(encoding="utf-8"))["fitted_on"]
        reader_only = ReaderOnly(frozen, reading[0], float(record["alone"]["reader"]["threshold"]))
    baseline = TopSentencesBaseline(sentences, retriever.idf)
    out: list[Outcome] = []
    for item in items:
        query = condense_question(item.history, item.question) if item.history else item.question
        got = retriever.retrieve(query, mode=settings.retrieval_mode)
        passages = list(got.passages)
        emb = got.query_embedding
        answerers: dict[str, Callable[[], Draft]] = {
            "fitted": functools.partial(fitted.draft, query, passages, query_embedding=emb),
            "features-v1": functools.partial(frozen.draft, query, passages, query_embedding=emb),
        }
        if emb is not None:  # none when retrieval is BM25 alone: these two rank by embedding similarity
            answerers["baseline"] = functools.partial(baseline.draft, query, passages, emb)
            if reader_only is not None:
                answerers["reader-only"] = functools.partial(reader_only.draft, query, passages, emb)
        for name in names:
            if name not in answerers:
                continue
            t0 = time.perf_counter()
            draft = answerers[name]()
            ms = (time.perf_counter() - t0) * 1000
            best_right = None
            if name == "fitted":
                scored = fitted.score(query, passages, emb)
                best = int(np.argmax(scored.probabilities)) if len(scored.probabilities) else -1
                best_text = scored.candidates.candidates[best].text if best >= 0 else ""
                best_right = item.answerable and best >= 0 and (
                    is_evidence(best_text, item) or answer_correct(best_text, item.answers))
            out.append(_outcome(item, name, draft, passages, ms, best_right))
    return out


def reliability(rows: Sequence[Outcome], bins: int = 10) -> list[dict[str, float]]:
    """Per probability bin: mean predicted probability, observed share right if answered, count."""
    table = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [r for r in rows if r.confidence is not None
                  and (lo <= r.confidence < hi or (b == bins - 1 and r.confidence == 1))]
        if inside:
            right = [bool(r.best_right) for r in inside]
            table.append({"low": lo, "high": hi, "count": len(inside),
                          "predicted": round(float(np.mean([r.confidence for r in inside])), 4),
                          "observed": round(float(np.mean(right)), 4)})
    return table


def coverage_curve(rows: Sequence[Outcome]) -> list[dict[str, float]]:
    """Answering the most confident share of questions: how many of those answers are right."""
    ranked = sorted((r for r in rows if r.confidence is not None), key=lambda r: -(r.confidence or 0.0))
    curve, right = [], 0
    for n, r in enumerate(ranked, start=1):
        right += bool(r.best_right)
        curve.append({"coverage": round(n / len(ranked), 4), "accuracy": round(right / n, 4),
                      "threshold": round(r.confidence or 0.0, 4)})
    return curve


def _plots(out: Path, rel: list[dict[str, float]], curve: list[dict[str, float]]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.plot([0, 1], [0, 1], ":", color="grey")
    ax.plot([r["predicted"] for r in rel], [r["observed"] for r in rel], "o-")
    ax.set(xlabel="predicted probability (best sentence)", ylabel="observed: best sentence answers",
           title="Reliability, test split")
    fig.tight_layout()
    fig.savefig(out / "reliability.png", dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.plot([c["coverage"] for c in curve], [c["accuracy"] for c in curve])
    ax.set(xlabel="share of questions answered", ylabel="right among answered", title="Accuracy-coverage, test split")
    fig.tight_layout()
    fig.savefig(out / "coverage.png", dpi=110)
    plt.close(fig)
    return ["reliability.png", "coverage.png"]


def write_report(out: Path, rows: Sequence[Outcome], items: Sequence[GoldItem]) -> list[Summary]:
    out.mkdir(parents=True, exist_ok=True)
    present = [a for a in ANSWERERS if any(r.answerer == a for r in rows)]
    summaries = [summarize(a, [r for r in rows if r.answerer == a]) for a in present]
    fitted = [r for r in rows if r.answerer == "fitted"]
    rel, curve = reliability(fitted), coverage_curve(fitted)
    plots = _plots(out, rel, curve)
    (out / "report.json").write_text(json.dumps({
        "questions": len(items), "summaries": [asdict(s) for s in summaries], "reliability": rel,
        "coverage_curve": curve, "outcomes": [asdict(r) for r in rows]}, indent=1), encoding="utf-8")
    lines = [f"# Development test split: {len(items)} questions "
             f"({sum(i.answerable for i in items)} answerable, "
             f"{sum(not i.answerable for i in items)} unanswerable)", "",
             "| answerer | accuracy | right cited sentence | false refusal | refusal recall | overall | "
             "evidence in top-k | p50 answer ms | short answers | short exact | short holds answer |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in summaries:
        lines.append(f"| {s.answerer} | {s.accuracy:.3f} | {s.cited_right:.3f} | {s.false_refusal:.3f} | "
                     f"{s.refusal_recall:.3f} | {s.overall:.3f} | {s.evidence_in_top_k:.3f} | {s.p50_answer_ms} | "
                     f"{s.short_given} | {s.short_exact:.3f} | {s.short_contains:.3f} |")
    lines += ["", "## Reliability (fitted)", "", "| bin | n | predicted | observed |", "|---|---|---|---|"]
    lines += [f"| {r['low']:.1f}-{r['high']:.1f} | {r['count']} | {r['predicted']:.3f} | {r['observed']:.3f} |"
              for r in rel]
    lines += ["", *[f"![{p}]({p})" for p in plots], "", "## Failures (fitted)", ""]
    by_id = {i.id: i for i in items}
    for r in fitted:
        if not r.correct:
            item = by_id[r.item_id]
            expected = " / ".join(item.answers) if item.answerable else "a refusal"
            got = "refused" if r.refused else repr(r.answer[:160])
            lines.append(f"- `{r.item_id}` {item.question} — expected {expected}; got {got}")
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return summaries


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, default=None,
                        help="where the test index lives (default: DATA_DIR/devsets)")
    parser.add_argument("--out", type=Path, default=Path("reports/devset"))
    parser.add_argument("--split", choices=("test", "validation", "fit"), default="test")
    args = parser.parse_args(argv)
    configure_offline()
    base = load_settings()
    settings = prepare(base, args.workspace or base.data_dir / "devsets", None)
    items = items_in(load_collections(), args.split)
    rows = run(settings, items)
    for s in write_report(args.out, rows, items):
        print(f"{s.answerer:>11}: accuracy {s.accuracy:.3f}  cited {s.cited_right:.3f}  false refusal "
              f"{s.false_refusal:.3f}  refusal recall {s.refusal_recall:.3f}  overall {s.overall:.3f}")
    print(f"report: {args.out / 'report.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
