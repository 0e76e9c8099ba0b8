"""Opening the stored BM25 index memory-mapped or read whole: load time, memory, search speed.

For each size (generated chunks of 8 real seed sentences each) the parent stores the
keyword index once with `index.lexical.write_lexical`; then, for each mode, fresh child
processes rebuild the same chunk list, note their memory, open the stored copy with
`LexicalIndex.load(..., mmap=...)` and run the seeds' gold questions through `search`.
Each child reports the load time, the memory it added (peak resident set after loading,
and after searching, minus the peak just before loading, which is reset there through
/proc/self/clear_refs: the chunk list is the same both ways and not counted), and the
search p50 (`LexicalIndex.search`, top 10, the 95 gold questions three times). The peak
is read as VmHWM, the counter `ru_maxrss` reports, because a child's `ru_maxrss` also
keeps the parent's peak, inherited at fork and exec, and would hide the load. The modes
alternate over `--repeats` runs and the medians are printed, so a neighbour's load on the
CPU hits both alike.

    .venv/bin/python -m bench.lexical_mmap_bench [--sizes 10000 50000] [--repeats 3]

Deliberately left out: a cold page cache (the files were just written, so mmap reads
from memory; from a cold disk its first searches would fault pages in) and the vocabulary
and document-frequency JSON files, which bm25s and `LexicalIndex` read whole either way.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import seed_sentences
from newsrag.types import Chunk

SENTENCES_PER_CHUNK = 8


def make_chunks(n: int, seed: int = 0) -> list[Chunk]:
    rng = random.Random(seed)
    pool = seed_sentences()
    out = []
    for i in range(n):
        text = " ".join(rng.choice(pool) for _ in range(SENTENCES_PER_CHUNK))
        out.append(Chunk(id=f"{i:08x}-0000", article_id=f"{i:08x}", ordinal=0, text=text, start=0, end=len(text),
                         title=f"Story {i}", source_path=f"{i}.txt", token_count=len(text.split())))
    return out


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _peak_kib() -> int:
    """This process's peak resident set: ru_maxrss, but without the parent's peak it inherits over fork+exec."""
    return _status_kib("VmHWM")


def _rss_kib() -> int:
    return _status_kib("VmRSS")


def child(data_dir: Path, n: int, mmap: bool) -> dict[str, float]:
    from evals.gold import SEEDS_QA_PATH, load_gold
    from index.lexical import LexicalIndex, corpus_key, lexical_folder

    chunks = make_chunks(n)
    folder = lexical_folder(data_dir, corpus_key(chunks))
    queries = [i.question for i in load_gold(SEEDS_QA_PATH).items]
    import bm25s  # noqa: F401 - imported before measuring, as the read side has it already

    gc.collect()
    # Reset the peak (Linux >= 4.0) so ru_maxrss below counts from here, not from building the chunks.
    Path("/proc/self/clear_refs").write_text("5")
    before = _peak_kib()
    t0 = time.perf_counter()
    index = LexicalIndex.load(folder, chunks, mmap=mmap)
    load_s = time.perf_counter() - t0
    assert index is not None
    after_load = _peak_kib()
    rss_after_load = _rss_kib()
    times = []
    for _ in range(3):
        for q in queries:
            t = time.perf_counter()
            index.search(q, 10)
            times.append(time.perf_counter() - t)
    return {"load_ms": load_s * 1000, "load_added_kib": after_load - before,
            "peak_added_kib": _peak_kib() - before,
            "rss_after_load_added_kib": rss_after_load - before,
            "rss_after_search_added_kib": _rss_kib() - before,  # resident now, mapped pages touched included
            "search_p50_ms": statistics.median(times) * 1000}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("DATA_DIR", "N", "MMAP"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(Path(args.child[0]), int(args.child[1]), args.child[2] == "1")))
        return
    from index.lexical import write_lexical

    report = {}
    with tempfile.TemporaryDirectory(prefix="lexical-mmap-") as tmp:
        for n in args.sizes:
            data_dir = Path(tmp) / str(n)
            write_lexical(data_dir, make_chunks(n))
            disk = sum(f.stat().st_size for f in data_dir.rglob("*.npy"))
            runs: dict[str, list[dict[str, float]]] = {"whole": [], "mmap": []}
            for _ in range(args.repeats):
                for mode in runs:
                    out = subprocess.run([sys.executable, "-m", "bench.lexical_mmap_bench", "--child", str(data_dir),
                                          str(n), "1" if mode == "mmap" else "0"],
                                         check=True, capture_output=True, text=True).stdout
                    runs[mode].append(json.loads(out.strip().splitlines()[-1]))
            report[n] = {"npy_bytes": disk, **{mode: {k: round(statistics.median(r[k] for r in rs), 2)
                                                      for k in rs[0]} for mode, rs in runs.items()}}
            print(json.dumps({n: report[n]}), flush=True)


if __name__ == "__main__":
    main()
