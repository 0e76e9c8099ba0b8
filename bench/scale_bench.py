"""Scale benchmark: how query latency, index size, memory and cold start grow with the index.

Run: `python -m bench.scale_bench [--sizes 1000,10000,100000] [--queries 100] [--embedder pool|real]
[--seed 0] [--fresh] [--json artifacts/scale_bench.json]`.

For each size (chunks), an on-disk index is built once from the reproducible corpus of
`bench/corpus.py` (about 3.6 chunks per article) through the real write path
(`Indexer` -> llama-index `ChromaVectorStore` -> Chroma + the SQLite manifest) and
reused while it is complete (under $TMPDIR/newsrag-bench/). Then a fresh process per
size measures, with the real Assistant (offline answerer) and the real MiniLM for queries:
- cold start: new process -> first answer (wall, seen by this process), and its steps
  in-process: imports, query-embedder load, opening the index, opening the BM25 index
  `index/` stored (memory-mapped; no chunk is read at start), the first question. Twice:
  the first start after indexing and a later one; and a whole `newsrag ask` process;
- warm `Assistant.ask` end to end p50/p95 and each stage's median (query embedding,
  retrieval, answer, check), plus the read-path parts timed alone: Chroma HNSW query
  (`dense_search`, candidate_k results) and BM25 scoring of every chunk; retrieval alone
  (p50/p95, the question already embedded); the first greeting and mention list (jobs
  over the whole collection); a whole `newsrag ask` process, on the on-disk Chroma and
  against a `chroma run` server started on the same folder (`server_ask`);
- memory: resident set after the model, after loading chunks, after BM25; peak RSS;
- index size on disk (allocated blocks, Chroma and manifest apart).
Then it prints each metric's growth between sizes and names what becomes the
bottleneck first.

Embedder (`--embedder`): `pool` (default) is the documented shortcut of
`bench/pool_embedder.py`: each distinct seed sentence/title embedded once with the real
model (cached in artifacts/bench-cache/), a chunk gets the normalised mean of its
sentences' vectors. The real model at ~27 chunks/s would take about an hour for 100k
chunks on 2 CPU cores; with the shortcut the write path itself is what the build time
measures. `real` embeds every chunk with MiniLM (fine for 1k, slow beyond). The output
says which one built each index. Query embedding is always the real model.

`--embedder bulk` builds with `bench/scale_build.py` instead of the Indexer (the stores
as the indexer leaves them, without its loading, dates and duplicate grouping): the way to
1,000,000 chunks here, about 50 minutes for the build.

Defaults are 1k and 10k chunks: building the 100k index takes about 12 minutes even with
the shortcut on a shared 2-core CPU (139 chunks/s through Indexer -> Chroma), about 17
minutes for a whole fresh run; add it with `--sizes 1000,10000,100000`. Wall-clock
latencies on a shared CPU are noisy: the table also gives CPU time per ask and the load
average while measuring.

Deliberately left out: assertions and LLM answers; this is a measurement.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
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
CACHE_DIR = PROJECT_ROOT / "artifacts" / "bench-cache"
DEFAULT_SIZES = (1000, 10_000)
MENTIONS_QUESTION = "Which articles mention the European Commission?"
MB = 1024 * 1024


def bench_root(n_chunks: int, seed: int, embedder: str) -> Path:
    return Path(tempfile.gettempdir()) / "newsrag-bench" / f"scale-{n_chunks}-seed{seed}-{embedder}"


def disk_bytes(path: Path) -> int:
    """Allocated bytes under path (what `du` counts; sparse HNSW files count what they use)."""
    total = 0
    if path.is_file():
        return path.stat().st_blocks * 512
    for folder, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):  # a file removed while walking
                total += os.stat(os.path.join(folder, name)).st_blocks * 512
    return total


# ---------------------------------------------------------------------------------- build


def ensure_index(n_chunks: int, seed: int, embedder_kind: str, fresh: bool) -> tuple[Settings, dict]:
    """The size's index, built once through the real Indexer and reused while complete."""
    root = bench_root(n_chunks, seed, embedder_kind)
    ready = root / "READY"
    settings = Settings(data_dir=root / "data")
    if fresh and root.exists():
        shutil.rmtree(root)
    if ready.is_file():
        from index.manifest import Manifest

        # A cached index from an earlier version gets this version's manifest indexes, as the
        # next `newsrag index` run would give a user's (opening it to write creates what is missing).
        Manifest(settings.manifest_path).close()
        return settings, json.loads(ready.read_text())

    from bench.corpus import articles_for_chunks, write_corpus
    from index.embedder import load_index_embedder
    from index.pipeline import Indexer

    if root.exists():
        shutil.rmtree(root)
    if embedder_kind == "bulk":
        from bench.scale_build import DESCRIPTION as BULK, build

        print(f"building a ~{n_chunks}-chunk index under {root} with the bulk writer (once) ...", flush=True)
        built = build(settings, n_chunks, seed, CACHE_DIR)
        info = {**built, "build_s": built["total_s"], "embedder": "bulk", "embedder_description": BULK,
                "build_chunks_per_s": round(built["chunks"] / built["total_s"], 1)}
        print(f"  wrote {built['chunks']} chunks in {built['total_s']:.0f} s", flush=True)
        ready.write_text(json.dumps(info, indent=2))
        return settings, info
    n_articles = articles_for_chunks(n_chunks)
    t = time.perf_counter()
    write_corpus(root / "corpus", n_articles, seed)
    corpus_s = time.perf_counter() - t
    real = load_index_embedder(settings)
    if embedder_kind == "pool":
        from bench.pool_embedder import DESCRIPTION, SentencePoolEmbedder

        # The pool builds chunk vectors from cached piece vectors, so it has no forward pass
        # to pool spans from: its sentences are the cached pieces themselves.
        settings = settings.model_copy(update={"sentence_vectors": "separate"})
        embedder = SentencePoolEmbedder(real, CACHE_DIR)
        description = DESCRIPTION
    else:
        embedder, description = real, f"real model {real.name} on every chunk"
    print(f"building a ~{n_chunks}-chunk index ({n_articles} articles) under {root} with the {embedder_kind} "
          "embedder (once) ...", flush=True)
    t = time.perf_counter()
    report = Indexer.from_settings(settings, embedder=embedder).index([root / "corpus"])
    build_s = time.perf_counter() - t
    info = {
        "chunks": report.chunks_total,
        "articles": report.added,
        "build_s": round(build_s, 1),
        "build_chunks_per_s": round(report.chunks_total / build_s, 1),
        "corpus_write_s": round(corpus_s, 1),
        "embedder": embedder_kind,
        "embedder_description": description,
    }
    if embedder_kind == "pool":
        embedder.save()
        info["pool_pieces_embedded_by_model_this_build"] = embedder.pieces_embedded
        info["pool_pieces_cached"] = embedder.cached_pieces
    print(f"  indexed {report.chunks_total} chunks in {build_s:.0f} s ({info['build_chunks_per_s']} chunks/s)",
          flush=True)
    ready.write_text(json.dumps(info, indent=2))
    return settings, info


# ------------------------------------------------------------------- measure (child process)


def _rss_mb(pid: int | str = "self", field: str = "VmRSS:") -> float:
    """Resident set of this process or a running one (Linux /proc), MiB; `field="VmHWM:"` for its peak.

    The peak is read from /proc, not `getrusage`: Linux keeps `ru_maxrss` across execve, so a
    child can report a peak from before its exec (at a million chunks the measuring child
    reported 13.4 GB by `ru_maxrss` where its own VmHWM, sampled while it ran alone, was 3.0 GB)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) / 1024.0
    return 0.0


def _median_ms(fn, args_list) -> float:
    times = []
    for args in args_list:
        t = time.perf_counter()
        fn(*args)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def measure(data_dir: Path, n_queries: int, cold_only: bool = False) -> dict:
    """Cold start steps, warm latency and memory of one index, in this (fresh) process."""
    t0 = time.perf_counter()
    out: dict[str, float] = {}

    def step(name: str, since: float) -> float:
        now = time.perf_counter()
        out[name] = round(now - since, 3)
        return now

    from bench.query_bench import QUESTIONS, percentile
    from index.embedder import load_query_embedder
    from rag.assistant import Assistant

    settings = Settings(data_dir=data_dir)
    t = step("cold_import_s", t0)
    embedder = load_query_embedder(settings)  # what `newsrag ask` loads (shared with the Assistant's)
    t = step("cold_model_s", t)
    out["rss_after_model_mb"] = _rss_mb()
    assistant = Assistant.from_settings(settings, embedder=embedder)
    reader = assistant.reader  # opens manifest + Chroma, builds checker and answerer
    t = step("cold_open_s", t)
    out["rss_after_open_mb"] = _rss_mb()
    n_chunks = reader.count()  # the read side loads no chunk: searches fetch theirs by id
    out["rss_after_chunks_mb"] = _rss_mb()
    lexical = assistant.retriever.lexical_index()
    t = step("cold_bm25_build_s", t)
    out["rss_after_bm25_mb"] = _rss_mb()
    first = assistant.ask(QUESTIONS[0])
    step("cold_first_ask_s", t)
    out["cold_in_process_s"] = round(time.perf_counter() - t0, 3)
    print("FIRST_ANSWER", flush=True)
    out["first_answer_refused"] = float(first.refused)
    out["bm25_from_cache"] = float(lexical.loaded)
    if cold_only:
        out["peak_rss_mb"] = _rss_mb(field="VmHWM:")
        return out

    for q in QUESTIONS[:5]:
        assistant.ask(q)
    totals: list[float] = []
    cpu: list[float] = []  # process CPU time per ask: less sensitive than wall time to a shared CPU
    stages: dict[str, list[float]] = {s: [] for s in ("condense", "embed", "retrieve", "answer", "check")}
    refused = 0
    for i in range(n_queries):
        q = QUESTIONS[i % len(QUESTIONS)]
        t, c = time.perf_counter(), time.process_time()
        answer = assistant.ask(q)
        totals.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        for s in stages:
            stages[s].append(answer.timing(s) or 0.0)
        refused += answer.refused
    out.update(
        chunks=float(n_chunks),
        queries=float(n_queries),
        p50_ms=percentile(totals, 50),
        p95_ms=percentile(totals, 95),
        mean_ms=statistics.fmean(totals),
        cpu_p50_ms=statistics.median(cpu),
        load_avg_1min=os.getloadavg()[0],
        embed_share=sum(stages["embed"]) / sum(totals),
        refused_share=refused / n_queries,
    )
    for s, values in stages.items():
        out[f"{s}_p50_ms"] = statistics.median(values)

    # The read path's parts alone, on the same questions (medians over 3 rounds).
    k = settings.candidate_k
    vectors = [(embedder.embed_query(q),) for q in QUESTIONS]
    rounds = 3
    out["dense_search_ms"] = _median_ms(lambda v: reader.dense_search(v, k, None), vectors * rounds)
    out["bm25_scores_ms"] = _median_ms(lexical.scores, [(q,) for q in QUESTIONS] * rounds)
    out["bm25_topk_ms"] = _median_ms(lambda q: lexical.search(q, k), [(q,) for q in QUESTIONS] * rounds)
    # Retrieval alone (dense + BM25 + fusion, the question already embedded), as the target reads.
    alone = []
    for i in range(max(n_queries, len(QUESTIONS))):
        v = vectors[i % len(vectors)][0]
        t = time.perf_counter()
        assistant.retriever.retrieve(QUESTIONS[i % len(QUESTIONS)], mode=settings.retrieval_mode, query_embedding=v)
        alone.append((time.perf_counter() - t) * 1000)
    out["retrieval_p50_ms"], out["retrieval_p95_ms"] = percentile(alone, 50), percentile(alone, 95)
    # Jobs over the whole collection: a greeting (counts, example questions) and a mention list.
    for key, text in (("greeting_s", "Hello!"), ("mentions_s", MENTIONS_QUESTION)):
        t = time.perf_counter()
        assistant.ask(text)
        out[key] = round(time.perf_counter() - t, 3)
    out["peak_rss_mb"] = _rss_mb(field="VmHWM:")
    return out


def cli_ask_s(settings: Settings) -> float:
    """Wall time of a whole `newsrag ask` process (what a user waits for at a terminal)."""
    from bench.query_bench import QUESTIONS

    env = {**os.environ, "NEWSRAG_DATA_DIR": str(settings.data_dir)}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cli", "ask", QUESTIONS[1]], cwd=PROJECT_ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return round(time.perf_counter() - t, 3)


def server_ask(settings: Settings) -> dict[str, float]:
    """A whole `newsrag ask` process against a `chroma run` server holding the same Chroma folder:
    the archive deployment, where the vectors' graph stays loaded in the server between
    questions instead of being read by each new process. The server is started, asked one
    question (it loads the collection), then two `newsrag ask` processes are timed."""
    from bench.chroma_server import running_chroma
    from bench.query_bench import QUESTIONS

    ask = [sys.executable, "-m", "cli", "ask", QUESTIONS[1]]
    with running_chroma(settings.chroma_dir) as (url, proc):
        env = {**os.environ, "NEWSRAG_DATA_DIR": str(settings.data_dir), "NEWSRAG_CHROMA_URL": url}
        t = time.perf_counter()
        subprocess.run(ask, cwd=PROJECT_ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        first = time.perf_counter() - t
        times = []
        for _ in range(2):
            t = time.perf_counter()
            subprocess.run(ask, cwd=PROJECT_ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - t)
        return {"server_first_ask_s": round(first, 3), "server_cli_ask_s": round(min(times), 3),
                "server_rss_mb": _rss_mb(proc.pid)}


def run_child(settings: Settings, n_queries: int, cold_only: bool = False) -> dict:
    """A fresh process measures the index; cold start is its wall time to the first answer."""
    cmd = [sys.executable, "-m", "bench.scale_bench", "--measure", str(settings.data_dir),
           "--queries", str(n_queries), *(["--cold-only"] if cold_only else [])]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    cold = None
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "FIRST_ANSWER" and cold is None:
            cold = time.perf_counter() - t
        lines.append(line)
    err = proc.stderr.read() if proc.stderr else ""
    if proc.wait() != 0:
        raise RuntimeError(f"measure process failed ({proc.returncode}):\n{err[-3000:]}")
    result = json.loads(lines[-1])
    result["cold_start_s"] = round(cold or float("nan"), 3)
    return result


# ------------------------------------------------------------------------------ report

ROWS = (
    # key, label, format, scale
    ("chunks", "chunks", "{:.0f}", 1),
    ("p50_ms", "warm ask p50 (ms)", "{:.1f}", 1),
    ("p95_ms", "warm ask p95 (ms)", "{:.1f}", 1),
    ("cpu_p50_ms", "  CPU time per ask p50 (ms, all threads)", "{:.1f}", 1),
    ("load_avg_1min", "  machine load avg while measuring", "{:.2f}", 1),
    ("embed_p50_ms", "  query embedding p50 (ms)", "{:.1f}", 1),
    ("embed_share", "  query embedding share", "{:.0%}", 1),
    ("retrieve_p50_ms", "  retrieval p50 (ms)", "{:.1f}", 1),
    ("retrieval_p50_ms", "retrieval alone p50 (ms)", "{:.1f}", 1),
    ("retrieval_p95_ms", "retrieval alone p95 (ms)", "{:.1f}", 1),
    ("dense_search_ms", "    Chroma HNSW query (ms)", "{:.1f}", 1),
    ("bm25_scores_ms", "    BM25 score all chunks (ms)", "{:.2f}", 1),
    ("bm25_topk_ms", "    BM25 top-k (ms)", "{:.2f}", 1),
    ("answer_p50_ms", "  offline answer p50 (ms)", "{:.1f}", 1),
    ("check_p50_ms", "  support check p50 (ms)", "{:.1f}", 1),
    ("greeting_s", "first greeting (s)", "{:.2f}", 1),
    ("mentions_s", "first mention list (s)", "{:.2f}", 1),
    ("cli_ask_s", "whole `newsrag ask` process (s)", "{:.2f}", 1),
    ("server_cli_ask_s", "  the same, Chroma as a server (s)", "{:.2f}", 1),
    ("server_first_ask_s", "    the server's first (s)", "{:.2f}", 1),
    ("server_rss_mb", "    `chroma run` server RSS (MiB)", "{:.0f}", 1),
    ("cold_start_s", "cold start, first after indexing (s)", "{:.2f}", 1),
    ("cold_import_s", "  imports (s)", "{:.2f}", 1),
    ("cold_model_s", "  model load (s)", "{:.2f}", 1),
    ("cold_open_s", "  open index (s)", "{:.2f}", 1),
    ("cold_bm25_build_s", "  BM25 load, stored by index/ (s)", "{:.2f}", 1),
    ("cold_first_ask_s", "  first question (s)", "{:.2f}", 1),
    ("cached_cold_start_s", "cold start, later starts (s)", "{:.2f}", 1),
    ("cached_cold_model_s", "  model load (s)", "{:.2f}", 1),
    ("cached_cold_bm25_build_s", "  BM25 load (s)", "{:.2f}", 1),
    ("cached_peak_rss_mb", "  peak RSS to first answer (MiB)", "{:.0f}", 1),
    ("index_disk_mb", "index on disk (MiB)", "{:.1f}", 1),
    ("chroma_disk_mb", "  Chroma (MiB)", "{:.1f}", 1),
    ("manifest_disk_mb", "  manifest (MiB)", "{:.1f}", 1),
    ("bm25_cache_disk_mb", "  stored BM25 (MiB)", "{:.1f}", 1),
    ("open_mem_mb", "opening the index (MiB RSS)", "{:.0f}", 1),
    ("bm25_mem_mb", "BM25 index (MiB RSS)", "{:.0f}", 1),
    ("peak_rss_mb", "peak RSS (MiB)", "{:.0f}", 1),
    ("build_s", "index build (s)", "{:.0f}", 1),
    ("build_chunks_per_s", "  build chunks/s", "{:.0f}", 1),
)

GROWTH_KEYS = ("p50_ms", "p95_ms", "embed_p50_ms", "dense_search_ms", "bm25_scores_ms", "answer_p50_ms",
               "retrieval_p50_ms", "retrieval_p95_ms",
               "cold_start_s", "cli_ask_s", "server_cli_ask_s", "cold_bm25_build_s", "cached_cold_start_s",
               "cached_cold_bm25_build_s", "index_disk_mb",
               "bm25_mem_mb", "peak_rss_mb", "build_s")

WARM_PARTS = {
    "query embedding": "embed_p50_ms",
    "Chroma HNSW query": "dense_search_ms",
    "BM25 scoring": "bm25_scores_ms",
    "offline answer": "answer_p50_ms",
    "support check": "check_p50_ms",
}
COLD_PARTS = {
    "imports": "cold_import_s",
    "model load": "cold_model_s",
    "open index": "cold_open_s",
    "BM25 load": "cold_bm25_build_s",
    "first question": "cold_first_ask_s",
}
CACHED_COLD_PARTS = {
    "imports": "cached_cold_import_s",
    "model load": "cached_cold_model_s",
    "open index": "cached_cold_open_s",
    "BM25 load": "cached_cold_bm25_build_s",
    "first question": "cached_cold_first_ask_s",
}


def bottlenecks(results: list[dict]) -> list[str]:
    """What dominates at the largest size, and what grew fastest from the smallest."""
    small, large = results[0], results[-1]
    lines = []
    n0, n1 = small["chunks"], large["chunks"]
    factor = n1 / max(n0, 1)

    def growth(key: str) -> float:
        return large[key] / small[key] if small[key] else float("inf")

    for title, parts, unit in (("warm query", WARM_PARTS, "ms"), ("cold start after indexing", COLD_PARTS, "s"),
                               ("later cold starts", CACHED_COLD_PARTS, "s")):
        biggest = max(parts, key=lambda p: large[parts[p]])
        fastest = max(parts, key=lambda p: growth(parts[p]))
        lines.append(
            f"{title}: largest part at {n1:.0f} chunks is {biggest} ({large[parts[biggest]]:.2f} {unit}); "
            f"fastest growing is {fastest} (x{growth(parts[fastest]):.1f} for x{factor:.0f} chunks, "
            f"{small[parts[fastest]]:.2f} -> {large[parts[fastest]]:.2f} {unit})"
        )
    mem = {"opening the index": "open_mem_mb", "BM25 index": "bm25_mem_mb"}
    biggest = max(mem, key=lambda p: large[mem[p]])
    lines.append(f"memory: beyond the model, {biggest} takes the most at {n1:.0f} chunks "
                 f"({large[mem[biggest]]:.0f} MiB; peak RSS {large['peak_rss_mb']:.0f} MiB)")
    return lines


def print_report(results: list[dict]) -> None:
    sizes = [f"{r['chunks']:.0f}" for r in results]
    width = 40
    print()
    for r in results:
        print(f"index {r['chunks']:.0f} chunks: built by {r['embedder']} embedder ({r['embedder_description']})")
    print("\n" + "metric".ljust(width) + "".join(s.rjust(12) for s in sizes))
    for key, label, fmt, _ in ROWS:
        cells = []
        for r in results:
            v = r.get(key)
            cells.append((fmt.format(v) if isinstance(v, (int, float)) else "-").rjust(12))
        print(label.ljust(width) + "".join(cells))
    if len(results) > 1:
        print("\ngrowth between sizes (ratio; chunks grow by " + ", ".join(
            f"x{results[i + 1]['chunks'] / results[i]['chunks']:.1f}" for i in range(len(results) - 1)) + ")")
        for key in GROWTH_KEYS:
            label = next(lbl for k, lbl, _, _ in ROWS if k == key).strip()
            ratios = []
            for a, b in itertools.pairwise(results):
                ratios.append(f"x{b[key] / a[key]:.2f}" if a.get(key) else "-")
            print(f"  {label.ljust(width - 2)}" + "".join(r.rjust(12) for r in ratios))
        print("\nbottleneck:")
        for line in bottlenecks(results):
            print("  " + line)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES),
                        help="chunk counts, comma-separated (default 1000,10000)")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--embedder", choices=("pool", "real", "bulk"), default="pool",
                        help="how indexes are built: the Indexer with the pool shortcut or the real model, "
                        "or bench/scale_build.py's bulk writer (the only affordable way to 1M chunks)")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached indexes")
    parser.add_argument("--json", type=Path, default=PROJECT_ROOT / "artifacts" / "scale_bench.json")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # child mode: measure one data dir
    parser.add_argument("--cold-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.queries, args.cold_only)), flush=True)
        return

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = []
    for n in sizes:
        settings, info = ensure_index(n, args.seed, args.embedder, args.fresh)
        print(f"measuring the {info['chunks']}-chunk index in a fresh process ...", flush=True)
        r = run_child(settings, args.queries)  # the first start after indexing
        cached = run_child(settings, 0, cold_only=True)  # a later start
        r.update({f"cached_{k}": v for k, v in cached.items()
                  if k.startswith("cold") or k in ("bm25_from_cache", "peak_rss_mb")})
        r["cli_ask_s"] = min(cli_ask_s(settings) for _ in range(2))
        r.update(server_ask(settings))
        r["bm25_cache_disk_mb"] = disk_bytes(settings.data_dir / "bm25") / MB
        r.update(info)
        r["chunks"] = float(info["chunks"])
        r["chroma_disk_mb"] = disk_bytes(settings.chroma_dir) / MB
        r["manifest_disk_mb"] = disk_bytes(settings.manifest_path) / MB
        r["index_disk_mb"] = disk_bytes(settings.data_dir) / MB
        r["open_mem_mb"] = r["rss_after_open_mb"] - r["rss_after_model_mb"]
        r["bm25_mem_mb"] = r["rss_after_bm25_mb"] - r["rss_after_chunks_mb"]
        r["index_dir"] = str(settings.data_dir)
        results.append(r)
        print(f"  p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, cold start {r['cold_start_s']:.2f} s "
              f"(later starts {r['cached_cold_start_s']:.2f} s), "
              f"peak RSS {r['peak_rss_mb']:.0f} MiB, {r['index_disk_mb']:.0f} MiB on disk", flush=True)
    print_report(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"cpu_count": os.cpu_count(), "load_avg": os.getloadavg(),
                                         "results": results}, indent=2))
        print(f"\nnumbers written to {args.json}")


if __name__ == "__main__":
    main()
