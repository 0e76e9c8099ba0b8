"""Query latency benchmark: warm offline answers over a 10,000-chunk index, and cold start.

Builds (once; reused on later runs) an on-disk index of about `--chunks` chunks from
the synthetic corpus of `bench/corpus.py` with the real packaged MiniLM model, then:
- asks a mix of answerable and unanswerable questions with the offline answerer and
  reports end-to-end p50/p95 (`Assistant.ask` wall time), and the share of it spent
  embedding the query versus everything else (retrieval, answer, check); the warm loop
  repeats 14 questions, so it also reports 20 other questions asked once each (their
  answer-side sentence vectors not yet cached by the Assistant);
- measures cold start to the first answer in a fresh subprocess (imports, model load,
  opening the index, the BM25 build and the first question), twice: the first start
  after indexing (BM25 built from the chunks and saved) and a later one (saved BM25 loaded).

Targets: warm p50 <= 40 ms, p95 <= 120 ms; cold start <= 5 s.
Run: `python -m bench.query_bench [--chunks 10000] [--queries 200] [--fresh]`.

Deliberately left out: LLM answer latency (dominated by the model, not by this code).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newsrag.offline import configure_offline

configure_offline()

from newsrag.settings import Settings  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = (
    "What was the September 19 deadline?",
    "Who is Iran's ambassador to Baghdad?",
    "How far from the border did Iran tell ISIL to stay?",
    "When did Iran and Iraq sign a security deal?",
    "What did the Financial Times report about a ground operation?",
    "What did the IRGC do against separatist groups?",
    "Who is Qassem Soleimani?",
    "How long is the border between Iran and Iraq?",
    "What happened at the Beiji refinery?",
    "What did Pakpour announce?",
    "What was the October 3 deadline?",  # unanswerable: refusals must be fast too
    "How many people died in the Tripoli attack?",
    "What is the capital of France?",
    "Why did Iran end its border mission?",
)
# Asked once each after the warm loop: no answer-side cache has seen their sentences' questions.
UNSEEN_QUESTIONS = (
    "Who is the Foreign Ministry spokeswoman?",
    "What did Afkham say about Libya?",
    "Who is Iraq's Foreign Minister?",
    "What did Fuad Hussein declare?",
    "Who is the Iraqi Interior Minister?",
    "What does Iraq prioritize according to Shammari?",
    "Who is Iraq's Defense Minister?",
    "What did Obama say about Iran?",
    "Who said Iran would attack deep into Iraqi territory?",
    "What did Pourdastan stress?",
    "Where was the Iranian ambassador's residence bombed?",
    "How many documents did Iran give Iraq about the training camps?",
    "When did the IRGC strike separatist positions?",
    "Who was assassinated near Baghdad's airport?",
    "What did the Komalah and Democrat groups attempt?",
    "What did Heidari tell the Islamic Republic News Agency?",
    "Who visited a site near Baghdad's international airport?",
    "What did the Iraqi government decide about border forces?",
    "How many days after the warning did the mission end?",
    "What did the U.S. military statement say about Beiji?",
)


def bench_dir(n_chunks: int, seed: int) -> Path:
    return Path(tempfile.gettempdir()) / "newsrag-bench" / f"query-{n_chunks}-seed{seed}"


def ensure_index(n_chunks: int, seed: int, fresh: bool) -> Settings:
    """The benchmark index, built once with the real model and reused while it is complete."""
    from bench.corpus import articles_for_chunks, write_corpus

    root = bench_dir(n_chunks, seed)
    done = root / "READY"
    settings = Settings(data_dir=root / "data")
    if fresh and root.exists():
        shutil.rmtree(root)
    if done.is_file():
        return settings
    from index.embedder import load_index_embedder
    from index.pipeline import Indexer

    if root.exists():
        shutil.rmtree(root)
    corpus = root / "corpus"
    write_corpus(corpus, articles_for_chunks(n_chunks), seed)
    print(f"building a ~{n_chunks}-chunk index under {root} (once) ...", flush=True)
    t = time.perf_counter()
    report = Indexer.from_settings(settings, embedder=load_index_embedder(settings)).index([corpus])
    print(f"  indexed {report.chunks_total} chunks in {time.perf_counter() - t:.0f} s", flush=True)
    done.write_text(json.dumps({"chunks": report.chunks_total}))
    return settings


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[idx]


def warm_latency(settings: Settings, n_queries: int) -> dict[str, float]:
    from rag.assistant import Assistant

    assistant = Assistant.from_settings(settings)
    for q in QUESTIONS[:5]:  # warm: model, BM25 build, caches of the first questions
        assistant.ask(q)
    totals, embeds, refused = [], [], 0
    for i in range(n_queries):
        q = QUESTIONS[i % len(QUESTIONS)]
        t = time.perf_counter()
        answer = assistant.ask(q)
        totals.append((time.perf_counter() - t) * 1000)
        embeds.append(answer.timing("embed") or 0.0)
        refused += answer.refused
    unseen = []
    for q in UNSEEN_QUESTIONS:
        t = time.perf_counter()
        assistant.ask(q)
        unseen.append((time.perf_counter() - t) * 1000)
    stages = {}
    for stage in ("condense", "embed", "retrieve", "answer", "check"):
        stages[f"{stage}_p50_ms"] = statistics.median(
            assistant.ask(q).timing(stage) or 0.0 for q in QUESTIONS
        )
    return {
        "chunks": float(assistant.status().chunks),
        "queries": float(n_queries),
        "p50_ms": percentile(totals, 50),
        "p95_ms": percentile(totals, 95),
        "mean_ms": statistics.fmean(totals),
        "embed_share": sum(embeds) / sum(totals),
        "unseen_p50_ms": percentile(unseen, 50),
        "unseen_p95_ms": percentile(unseen, 95),
        "refused_share": refused / n_queries,
        **stages,
    }


_COLD = """
import time, sys
t0 = time.perf_counter()
from newsrag.offline import configure_offline
configure_offline()
from newsrag.settings import Settings
from rag.assistant import Assistant
a = Assistant.from_settings(Settings(data_dir=sys.argv[1]))
ans = a.ask("What was the September 19 deadline?")
print(time.perf_counter() - t0, ans.refused)
"""


def _cold_once(settings: Settings) -> tuple[float, float]:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _COLD, str(settings.data_dir)], cwd=PROJECT_ROOT,
                         env=dict(os.environ), capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    inside, _refused = out.stdout.split()[-2:]
    return wall, float(inside)


def cold_start(settings: Settings) -> dict[str, float]:
    """Twice: the first start after indexing (BM25 built from the chunks, then saved) and a
    later start (the saved BM25 loaded; rag/bm25.py)."""
    shutil.rmtree(settings.data_dir / "bm25", ignore_errors=True)
    first, first_inside = _cold_once(settings)
    later, later_inside = _cold_once(settings)
    return {"cold_start_s": later, "cold_start_in_process_s": later_inside,
            "cold_start_first_s": first, "cold_start_first_in_process_s": first_inside}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached benchmark index")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    settings = ensure_index(args.chunks, args.seed, args.fresh)
    results = warm_latency(settings, args.queries)
    results.update(cold_start(settings))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    r = results
    ok = lambda good: "OK " if good else "MISS"  # noqa: E731
    print(f"index: {r['chunks']:.0f} chunks; {r['queries']:.0f} warm offline questions "
          f"({r['refused_share']:.0%} refused)")
    print(f"[{ok(r['p50_ms'] <= 40)}] warm end-to-end p50 {r['p50_ms']:.1f} ms (target <= 40)")
    print(f"[{ok(r['p95_ms'] <= 120)}] warm end-to-end p95 {r['p95_ms']:.1f} ms (target <= 120)")
    print(f"       query embedding {r['embed_share']:.0%} of the time, the rest {1 - r['embed_share']:.0%}")
    print(f"       {len(UNSEEN_QUESTIONS)} questions asked once (answer-side sentence vectors not cached yet): "
          f"p50 {r['unseen_p50_ms']:.1f} ms, p95 {r['unseen_p95_ms']:.1f} ms")
    print("       stage p50 (ms): " + ", ".join(
        f"{s} {r[f'{s}_p50_ms']:.1f}" for s in ("condense", "embed", "retrieve", "answer", "check")))
    print(f"[{ok(r['cold_start_s'] <= 5)}] cold start to first answer {r['cold_start_s']:.2f} s "
          f"(in-process {r['cold_start_in_process_s']:.2f} s; target <= 5)")
    print(f"[{ok(r['cold_start_first_s'] <= 5)}] first start after indexing (BM25 built, not loaded) "
          f"{r['cold_start_first_s']:.2f} s (in-process {r['cold_start_first_in_process_s']:.2f} s)")


if __name__ == "__main__":
    main()
