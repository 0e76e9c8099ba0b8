"""Reading throughput per file format: MB of input a second through the loader, parse and clean.

Run: `python -m bench.format_bench [FOLDER ...] [--min-seconds 1.0] [--json out.json]`
(part of `make bench-index`). Every supported file under the folders (by default the real
and generated samples the format tests use, `tests/data/formats/`, the PDF layout cases
and the seeds) is loaded with `index.article_files.load_articles` as `newsrag index` loads
it, again and again until `--min-seconds` have passed, and the time is summed per format.
The first load of each format is timed apart: it imports the format's library.

Deliberately left out: chunking and embedding (the same cost per article whatever the file
format; `bench/index_bench.py` measures them) and assertions (a measurement, not a test).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

from index.article_files import discover_files, load_articles
from index.formats import format_of
from newsrag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FOLDERS = (ROOT / "tests" / "data" / "formats", *sorted((ROOT / "evals" / "pdf_layout").glob("*.pdf")),
                   ROOT / "seeds")  # the layout cases' PDFs, not their cases.jsonl


def measure(folders: list[Path], min_seconds: float) -> dict[str, dict[str, float]]:
    limits = Settings().file_limits
    by_format: dict[str, list[Path]] = defaultdict(list)
    for path in discover_files([f for f in folders if f.exists()]):
        fmt = format_of(path)
        if fmt is not None and path.name != "SOURCE.md":  # the samples' provenance notes are not articles
            by_format[fmt.name].append(path)
    results: dict[str, dict[str, float]] = {}
    for name, files in sorted(by_format.items()):
        size = sum(p.stat().st_size for p in files)
        started = time.perf_counter()
        first = load_articles(files, limits)
        first_s = time.perf_counter() - started
        runs, elapsed = 0, 0.0
        while elapsed < min_seconds or runs == 0:
            started = time.perf_counter()
            load_articles(files, limits)
            elapsed += time.perf_counter() - started
            runs += 1
        per_run = elapsed / runs
        results[name] = {
            "files": len(files), "mb": size / 1e6, "articles": len(first.articles), "problems": len(first.problems),
            "first_load_s": first_s, "seconds_per_pass": per_run,
            "mb_per_s": size / 1e6 / per_run, "articles_per_s": len(first.articles) / per_run,
        }  # fmt: skip
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, default=list(DEFAULT_FOLDERS), help="folders or files")
    parser.add_argument("--min-seconds", type=float, default=1.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = measure(args.folders, args.min_seconds)
    print(f"{'format':<12} {'files':>5} {'MB':>7} {'articles':>8} {'MB/s':>8} {'articles/s':>10} {'first load':>10}")
    for name, r in results.items():
        print(f"{name:<12} {int(r['files']):>5} {r['mb']:>7.2f} {int(r['articles']):>8} {r['mb_per_s']:>8.2f} "
              f"{r['articles_per_s']:>10.1f} {r['first_load_s']:>9.2f}s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
