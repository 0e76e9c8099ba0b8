"""Calibration by measurement: the refusal threshold and the chunk size, on a gold set.

`python -m evals.calibrate` (or `make calibrate`) answers every gold question once with
the offline answerer's refusal rule switched off, records the best evidence score and
whether the unrefused answer is right, then sweeps the threshold: for each value it
prints answer accuracy on answerable items, refusal recall and precision on the
unanswerable ones, and overall accuracy (a refusal is right exactly when the item is
unanswerable). The suggested threshold maximises overall accuracy among values with
refusal recall >= 0.8, taking the highest value of the best plateau: among equally good
thresholds, the one that refuses most is the safer bet on questions the set lacks.

`--chunk-sizes 128,192,256` re-indexes the articles at each size and prints retrieval
hit@1/hit@5/MRR and offline answer accuracy, which is how the default chunk size was
chosen.

Deliberately left out: writing the chosen values anywhere. Settings are the user's; this
prints evidence for choosing them.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.gold import GoldItem, load_gold
from evals.metrics import answer_correct, mean
from newsrag.settings import Settings

MIN_REFUSAL_RECALL = 0.8


@dataclass(frozen=True)
class ScoredItem:
    """One gold item answered with no refusal threshold."""

    item: GoldItem
    best_score: float  # 0 when no sentence passed the answerer's gates
    correct: bool  # the unrefused answer matches an accepted answer


@dataclass(frozen=True)
class ThresholdRow:
    threshold: float
    answer_accuracy: float  # answerable items answered correctly
    refusal_recall: float | None
    refusal_precision: float | None
    overall: float  # answerable answered correctly + unanswerable refused, over all items


def sweep(scored: Sequence[ScoredItem], thresholds: Sequence[float]) -> list[ThresholdRow]:
    """Metrics at each threshold, from scores computed once.

    >>> g = lambda ok: GoldItem("x", "q", ok, ("a",) if ok else (), ())
    >>> rows = sweep([ScoredItem(g(True), 0.8, True), ScoredItem(g(False), 0.3, False)], [0.2, 0.5])
    >>> [(r.threshold, r.overall) for r in rows]
    [(0.2, 0.5), (0.5, 1.0)]
    """
    rows = []
    answerable = [s for s in scored if s.item.answerable]
    unanswerable = [s for s in scored if not s.item.answerable]
    for t in thresholds:
        answered_right = sum(1 for s in answerable if s.best_score >= t and s.correct)
        refused_right = sum(1 for s in unanswerable if s.best_score < t)
        refused_all = sum(1 for s in scored if s.best_score < t)
        rows.append(ThresholdRow(
            threshold=round(t, 3),
            answer_accuracy=answered_right / len(answerable) if answerable else 0.0,
            refusal_recall=refused_right / len(unanswerable) if unanswerable else None,
            refusal_precision=refused_right / refused_all if refused_all else None,
            overall=(answered_right + refused_right) / len(scored) if scored else 0.0,
        ))
    return rows


def suggest(rows: Sequence[ThresholdRow], min_refusal_recall: float = MIN_REFUSAL_RECALL) -> ThresholdRow | None:
    """The highest-threshold row of the best plateau of overall accuracy, among rows meeting the recall floor."""
    ok = [r for r in rows if r.refusal_recall is None or r.refusal_recall >= min_refusal_recall]
    if not ok:
        return None
    best = max(r.overall for r in ok)
    plateau = [r for r in ok if r.overall >= best - 1e-9]
    return plateau[-1]


def score_items(settings: Settings, questions: Path | None, articles: Path | None) -> list[ScoredItem]:
    """Index `articles` privately and score every gold item with no refusal threshold."""
    from evals.gold import SEEDS_QA_PATH
    from evals.runner import SEEDS_DIR, build_workspace
    from rag.assistant import Assistant
    from rag.condense import condense_question
    from rag.offline_answerer import score_candidates, select_sentences

    gold = load_gold(questions or SEEDS_QA_PATH)
    root = Path(tempfile.mkdtemp(prefix="newsrag-calibrate-"))
    try:
        ws, _seconds, _notes = build_workspace(settings, gold.items, Path(articles or SEEDS_DIR), root, None)
        assistant = Assistant.from_settings(ws.settings.model_copy(update={"answerer": "offline"}),
                                            embedder=ws.embedder, reader=ws.reader)
        retriever = assistant.retriever
        out = []
        for item in gold.items:
            query = condense_question(item.history, item.question)
            found = retriever.retrieve(query, mode=ws.settings.retrieval_mode)
            scores = score_candidates(query, found.passages, retriever.idf, assistant.embedder, found.query_embedding)
            chosen = select_sentences(scores, threshold=0.0)
            text = " ".join(c.text for c in chosen)
            out.append(ScoredItem(item, scores.best_score, bool(chosen) and answer_correct(text, item.answers)))
        return out
    finally:
        shutil.rmtree(root, ignore_errors=True)


def chunk_size_table(settings: Settings, sizes: Sequence[int], questions: Path | None, articles: Path | None
                     ) -> list[str]:
    from evals.runner import run_eval

    lines = [f"{'chunk tokens':>12s} {'overlap':>8s} {'hit@1':>7s} {'hit@5':>7s} {'MRR':>7s} {'accuracy':>9s}"]
    for size in sizes:
        overlap = min(settings.chunk_overlap_tokens, size // 4)
        sized = settings.model_copy(update={"chunk_tokens": size, "chunk_overlap_tokens": overlap})
        report = run_eval(sized, questions, ["hybrid+offline"], None, articles=articles)
        s = report.results[0].summary
        lines.append(f"{size:12d} {overlap:8d} {s.hit_at_1:7.3f} {s.hit_at_5:7.3f} {s.mrr:7.3f} "
                     f"{s.answer_accuracy:9.3f}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    from newsrag.offline import configure_offline
    from newsrag.settings import load_settings

    configure_offline()
    parser = argparse.ArgumentParser(prog="python -m evals.calibrate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=None, help="gold set (default: evals/seeds_qa.jsonl)")
    parser.add_argument("--articles", type=Path, default=None, help="articles (default: seeds/)")
    parser.add_argument("--chunk-sizes", default=None, help="comma-separated chunk sizes in tokens to compare")
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.chunk_sizes:
        sizes = [int(s) for s in args.chunk_sizes.split(",") if s.strip()]
        print("\n".join(chunk_size_table(settings, sizes, args.questions, args.articles)))
        return 0
    scored = score_items(settings, args.questions, args.articles)
    rows = sweep(scored, [t / 100 for t in range(20, 81, 2)])
    print(f"{'threshold':>9s} {'accuracy':>9s} {'ref.recall':>10s} {'ref.prec':>9s} {'overall':>8s}")
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    for r in rows:
        print(f"{r.threshold:9.2f} {r.answer_accuracy:9.3f} {fmt(r.refusal_recall):>10s} "
              f"{fmt(r.refusal_precision):>9s} {r.overall:8.3f}")
    best = suggest(rows)
    gap = mean([s.best_score for s in scored if s.item.answerable])
    print(f"items: {len(scored)} ({sum(s.item.answerable for s in scored)} answerable); "
          f"mean best score on answerable items {gap:.3f}; current threshold {settings.refusal_threshold:.2f}")
    if best:
        print(f"suggested refusal threshold: {best.threshold:.2f} (overall {best.overall:.3f}, "
              f"refusal recall {fmt(best.refusal_recall)}) -> NEWSRAG_REFUSAL_THRESHOLD")
    else:
        print(f"no threshold reaches refusal recall {MIN_REFUSAL_RECALL}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
