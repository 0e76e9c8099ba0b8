"""Measure the extractive summaries against human reference summaries: `python -m evals.summaries`.

1. Indexes the 250 CNN/DailyMail test articles of `evals/summaries/` (origin and licence in
   `evals/summaries/SOURCE.md`) with the real indexer and embedder, into a temporary folder,
   so every summary is made from the sentence vectors the index stores, as in the product.
2. For each article, summaries of three sentences: the product's (`rag.jobs.extractive_summary.
   choose_sentences`: the lead, then the best sentences by centrality plus a position prior),
   centrality alone without the lead ("central only"), the lead-3 baseline (the first three
   sentences), and the product at each weight of `POSITION_GRID`. Articles fall in a "dev"
   or a "test" half by a hash of their id: the weight is chosen on the dev half (the product's
   `rag.jobs.extractive_summary.POSITION_WEIGHT` is set to it by hand) and the test half reports.
3. Scores each against the reference with ROUGE-1, ROUGE-2 and ROUGE-L F1 (`rouge-score`,
   Porter stemming; the references are the dataset's highlights) and prints the means with
   their standard errors; `--out DIR` also writes `summaries.json` and `summaries.md`.

Deliberately left out: abstractive systems (no LLM runs here) and tuning anything on this set.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import tempfile
from collections.abc import Sequence
from pathlib import Path

from newsrag.offline import configure_offline

DATA = Path(__file__).resolve().parent / "summaries" / "cnndm_frank.jsonl.gz"
METRICS = ("rouge1", "rouge2", "rougeL")
SYSTEMS = ("newsrag (lead + central + position)", "central only", "lead-3")
POSITION_GRID = (0.0, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)


def half_of(article_id: str) -> str:
    """"dev" (chooses the position weight) or "test" (reports), by a hash of the dataset id."""
    import hashlib

    return "dev" if int(hashlib.sha256(article_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def load_rows(path: Path = DATA, limit: int | None = None) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return rows[:limit] if limit else rows


def _mean_se(values: Sequence[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return mean, math.sqrt(var / n)


def evaluate(rows: Sequence[dict[str, str]], work: Path) -> dict[str, object]:
    configure_offline()
    from rouge_score import rouge_scorer

    from evals.devset import build_index
    from index.embedder import load_query_embedder
    from index.index_reader import open_reader
    from newsrag.settings import Settings
    from rag.jobs.catalog import Catalog
    from rag.jobs.extractive_summary import article_sentences, choose_sentences
    from rag.retrieval.sentence_source import SentenceSource

    folder = work / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "cnndm.jsonl", "w", encoding="utf-8") as handle:
        for r in rows:
            handle.write(json.dumps({"title": r["title"], "text": r["text"], "url": r["url"], "source": r["outlet"]},
                                    ensure_ascii=False) + "\n")
    settings = Settings(data_dir=work / "data")
    build_index(settings, folder)
    embedder = load_query_embedder(settings)
    reader = open_reader(settings, embedder)
    catalog = Catalog(reader)
    source = SentenceSource(reader, embedder)
    by_url = {e.article.url: e for e in catalog.entries()}
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    grid = [f"position weight {w}" for w in POSITION_GRID]
    # half ("dev", "test") -> system -> ROUGE metric -> one F-measure per article
    scores: dict[str, dict[str, dict[str, list[float]]]] = {
        half: {s: {m: [] for m in METRICS} for s in (*SYSTEMS, *grid)} for half in ("dev", "test")}
    missing = 0
    for r in rows:
        entry = by_url.get(r["url"])
        if entry is None:
            missing += 1
            continue
        sents = article_sentences(entry, source)
        texts = [sents.text(i) for i in range(len(sents.spans))]
        picks = {SYSTEMS[0]: choose_sentences(texts, sents.vectors),
                 SYSTEMS[1]: choose_sentences(texts, sents.vectors, lead=False, position_weight=0.0),
                 SYSTEMS[2]: list(range(min(3, len(texts))))}
        for w, name in zip(POSITION_GRID, grid, strict=True):
            picks[name] = choose_sentences(texts, sents.vectors, position_weight=w)
        for system, chosen in picks.items():
            result = scorer.score(r["reference"], " ".join(texts[i] for i in chosen))
            for m in METRICS:
                scores[half_of(r["id"])][system][m].append(result[m].fmeasure)
    tables = {half: {s: {m: dict(zip(("mean", "se"), (round(x, 4) for x in _mean_se(v)), strict=True))
                         for m, v in per.items() if v} for s, per in systems.items()}
              for half, systems in scores.items()}
    best = max(POSITION_GRID, key=lambda w: sum(tables["dev"][f"position weight {w}"][m]["mean"] for m in METRICS))
    counts = {half: len(next(iter(systems.values()))["rouge1"]) for half, systems in scores.items()}
    return {"articles": len(rows) - missing, "not_indexed": missing, "data": str(DATA.name), "halves": counts,
            "position_weight_chosen_on_dev": best, "scores": tables}


def markdown(report: dict[str, object]) -> str:
    halves = report["halves"]
    assert isinstance(halves, dict)
    lines = [f"ROUGE F1 (mean ± standard error), three sentences per summary, on CNN/DailyMail test articles "
             f"(FRANK subset): {halves['test']} reporting articles; the position weight "
             f"({report['position_weight_chosen_on_dev']}) was chosen on the other {halves['dev']}."]
    scores = report["scores"]
    assert isinstance(scores, dict)
    for half in ("test", "dev"):
        lines += ["", f"**{half} half**", "", "| system | ROUGE-1 | ROUGE-2 | ROUGE-L |", "|---|---|---|---|"]
        for system, per in scores[half].items():
            cells = [f"{per[m]['mean']:.3f} ± {per[m]['se']:.3f}" for m in METRICS]
            lines.append(f"| {system} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles (a quick look)")
    parser.add_argument("--out", type=Path, default=None, help="write summaries.json and summaries.md here")
    parser.add_argument("--work", type=Path, default=None,
                        help="keep the index here and reuse it next time (indexing is incremental)")
    args = parser.parse_args(argv)
    if args.work:
        report = evaluate(load_rows(limit=args.limit), args.work)
    else:
        with tempfile.TemporaryDirectory(prefix="newsrag-summaries-") as tmp:
            report = evaluate(load_rows(limit=args.limit), Path(tmp))
    text = markdown(report)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "summaries.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        (args.out / "summaries.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
