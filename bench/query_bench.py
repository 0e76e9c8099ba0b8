"""Query latency benchmark: warm offline answers over a 10,000-chunk index, and cold start.

Builds (once; reused on later runs) an on-disk index of about `--chunks` chunks from
the synthetic corpus of `bench/corpus.py` with the real packaged MiniLM model, then:
- asks a mix of answerable and unanswerable questions with the offline answerer and
  reports end-to-end p50/p95 (`Assistant.ask` wall time), and the share of it spent
  embedding the query versus everything else (retrieval, answer, check); the warm loop
  repeats 14 questions, so it also reports 20 other questions asked once each (their
  answer-side sentence vectors not yet cached by the Assistant);
- measures one query's embedding with 1 thread and with all cores, idle and beside a
  CPU-bound process (`bench/query_runtime_bench.py` times the reader's threads too);
- times whole `newsrag ask` processes to the printed answer, on the seeds and on the big
  index (median of 3, warm disk), and `newsrag serve` to a usable page in Chromium.

Targets: warm p50 <= 80 ms, p95 <= 150 ms (with the trained reader reading its candidates;
they were 25 / 50 ms before it); `ask` cold <= 2.5 s; `serve` to a usable page <= 6 s.
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
    from index.embedder import load_index_embedder
    from index.pipeline import Indexer

    if done.is_file():
        corpus = root / "corpus"
        # An index from an older version is brought up to date (stored BM25, recorded backend);
        # on a current one this embeds nothing.
        Indexer.from_settings(settings).index([corpus])
        return settings

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


def _hog() -> subprocess.Popen:
    """A CPU-bound process beside the measurement (one core's worth), as a busy machine has."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def thread_latency(settings: Settings, n: int = 150) -> dict[str, float]:
    """Query-embedding p50/p95 with 1 BLAS thread and with all cores, idle and beside a CPU hog."""
    from index.embedder import load_query_embedder

    out: dict[str, float] = {}
    for threads in (1, os.cpu_count() or 2):
        embedder = load_query_embedder(settings.model_copy(update={"query_threads": threads}))
        for load in ("idle", "loaded"):
            hog = _hog() if load == "loaded" else None
            try:
                for q in QUESTIONS[:5]:
                    embedder.embed_query(q)
                times = []
                for i in range(n):
                    t = time.perf_counter()
                    embedder.embed_query(QUESTIONS[i % len(QUESTIONS)])
                    times.append((time.perf_counter() - t) * 1000)
            finally:
                if hog is not None:
                    hog.kill()
                    hog.wait()
            key = "1thread" if threads == 1 else "allcores"
            out[f"embed_{key}_{load}_p50_ms"] = percentile(times, 50)
            out[f"embed_{key}_{load}_p95_ms"] = percentile(times, 95)
    out["embed_backend"] = embedder.backend  # type: ignore[assignment]
    return out


def newsrag_command() -> list[str]:
    """The installed console script: what a user runs."""
    script = Path(sys.executable).parent / "newsrag"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "cli.main"]


def cold_ask(data_dir: Path, runs: int = 3) -> float:
    """Median wall time of a whole `newsrag ask` process, start to printed answer (warm disk)."""
    cmd = [*newsrag_command(), "ask", "--data-dir", str(data_dir), "What was the September 19 deadline?"]
    subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, check=True)  # warms the disk cache
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - t)
        if "[1]" not in out.stdout:
            raise RuntimeError(f"expected a cited answer, got: {out.stdout[-500:]}")
    return statistics.median(times)


def seeds_index(root: Path) -> Path:
    """The seeds indexed under `root` (once)."""
    from index.pipeline import Indexer, needs_indexing

    settings = Settings(data_dir=root / "data")
    if needs_indexing(settings, [PROJECT_ROOT / "seeds"]):
        Indexer.from_settings(settings).index([PROJECT_ROOT / "seeds"])
    return settings.data_dir


def serve_to_usable_page(data_dir: Path) -> dict[str, float]:
    """`newsrag serve` with its index present, to a page whose question box is live and whose index
    status is shown, in a real headless Chromium (launched beforehand, so the browser's own start
    is not counted). Also the times to the first HTTP 200 and to the example questions."""
    import socket
    import urllib.request

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {}
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return {}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        page = browser.new_page()
        t0 = time.perf_counter()
        proc = subprocess.Popen([*newsrag_command(), "serve", "--data-dir", str(data_dir), "--port", str(port)],
                                cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:  # the server's own answer is the state waited on
                if proc.poll() is not None:
                    raise RuntimeError(f"newsrag serve exited with {proc.returncode}")
                try:
                    with urllib.request.urlopen(url, timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    time.sleep(0.05)
            http_s = time.perf_counter() - t0
            page.goto(url)
            page.wait_for_selector("#nr-question textarea:not([disabled])", timeout=60_000)
            page.wait_for_function("(document.querySelector('#nr-index-line')?.innerText || '').includes('indexed')",
                                   timeout=60_000)
            usable_s = time.perf_counter() - t0
            page.wait_for_function("(document.querySelector('#nr-chat')?.innerText || '').includes('?')",
                                   timeout=60_000)
            examples_s = time.perf_counter() - t0
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            browser.close()
    return {"serve_http_s": http_s, "serve_usable_s": usable_s, "serve_examples_s": examples_s}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached benchmark index")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    settings = ensure_index(args.chunks, args.seed, args.fresh)
    seeds_dir = seeds_index(bench_dir(0, 0).parent / "seeds")
    results: dict[str, float] = {}
    results.update(warm_latency(settings, args.queries))
    results.update(thread_latency(settings))
    results["cold_ask_seeds_s"] = cold_ask(seeds_dir)
    results["cold_ask_big_s"] = cold_ask(settings.data_dir)
    results.update(serve_to_usable_page(seeds_dir))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    r = results
    ok = lambda good: "OK " if good else "MISS"  # noqa: E731
    print(f"index: {r['chunks']:.0f} chunks; {r['queries']:.0f} warm offline questions "
          f"({r['refused_share']:.0%} refused); query embedder: {r['embed_backend']}")
    print(f"[{ok(r['p50_ms'] <= 80)}] warm end-to-end p50 {r['p50_ms']:.1f} ms (target <= 80)")
    print(f"[{ok(r['p95_ms'] <= 150)}] warm end-to-end p95 {r['p95_ms']:.1f} ms (target <= 150)")
    print(f"       query embedding {r['embed_share']:.0%} of the time, the rest {1 - r['embed_share']:.0%}")
    print(f"       {len(UNSEEN_QUESTIONS)} questions asked once (answer-side sentence vectors not cached yet): "
          f"p50 {r['unseen_p50_ms']:.1f} ms, p95 {r['unseen_p95_ms']:.1f} ms")
    print("       stage p50 (ms): " + ", ".join(
        f"{s} {r[f'{s}_p50_ms']:.1f}" for s in ("condense", "embed", "retrieve", "answer", "check")))
    one, every = r["embed_1thread_loaded_p95_ms"], r["embed_allcores_loaded_p95_ms"]
    print(f"       one query's embedding, p50/p95 ms: 1 thread idle {r['embed_1thread_idle_p50_ms']:.1f}/"
          f"{r['embed_1thread_idle_p95_ms']:.1f}, beside a CPU hog {r['embed_1thread_loaded_p50_ms']:.1f}/{one:.1f}; "
          f"all cores idle {r['embed_allcores_idle_p50_ms']:.1f}/{r['embed_allcores_idle_p95_ms']:.1f}, "
          f"beside a CPU hog {r['embed_allcores_loaded_p50_ms']:.1f}/{every:.1f} "
          f"(loaded p95, all cores / 1 thread: {every / one:.2f})")
    print(f"[{ok(r['cold_ask_seeds_s'] <= 2.5)}] `newsrag ask`, whole process, seeds index: "
          f"{r['cold_ask_seeds_s']:.2f} s (target <= 2.5)")
    print(f"[{ok(r['cold_ask_big_s'] <= 2.5)}] `newsrag ask`, whole process, {r['chunks']:.0f}-chunk index: "
          f"{r['cold_ask_big_s']:.2f} s (target <= 2.5)")
    if "serve_usable_s" in r:
        print(f"[{ok(r['serve_usable_s'] <= 6)}] `newsrag serve` with its index present to a usable page "
              f"(question box live, index status shown, real Chromium): {r['serve_usable_s']:.2f} s "
              f"(first HTTP 200 at {r['serve_http_s']:.2f} s, example questions from the index at "
              f"{r['serve_examples_s']:.2f} s; target <= 6)")
    else:
        print("[SKIP] serve to usable page: needs playwright and Debian's chromium (`make setup-test`)")


if __name__ == "__main__":
    main()
