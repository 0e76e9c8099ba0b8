"""What indexing on Ray costs on one machine: one process (2 torch threads) vs Ray with 2 one-thread workers.

Run: `python -m bench.ray_bench [--articles 300] [--seed 0]` (needs the [distributed] extra).
Both index the same generated corpus (`bench/corpus.py`) from scratch, with the packaged
MiniLM, into their own temp data dir (embedded Chroma), timed from the start of the run to
its report, everything included: the model load, and for Ray starting it (`ray.init`) and
shutting it down. The one-process run goes first (it holds no Ray); the Ray run's coordinator
never loads the model. Prints both wall times, the ratio, and each run's stages.
The issue's target: on one 2-core machine Ray costs at most 10 % more wall time.

Deliberately left out: assertions (a measurement, not a test: numbers depend on the machine
and on whatever else shares its CPU) and clusters of several machines.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from newsrag.offline import configure_offline

configure_offline()

from bench.corpus import write_corpus  # noqa: E402
from index.pipeline import Indexer  # noqa: E402
from index.ray_work import RayWork  # noqa: E402
from newsrag.settings import Settings  # noqa: E402
from newsrag.types import IndexReport  # noqa: E402

WORKERS = 2


def one_process(corpus: Path, data_dir: Path) -> tuple[float, IndexReport]:
    import torch

    torch.set_num_threads(WORKERS)  # the same two cores, as threads of one process
    started = time.perf_counter()
    report = Indexer.from_settings(Settings(data_dir=data_dir)).index([corpus])
    return time.perf_counter() - started, report


def on_ray(corpus: Path, data_dir: Path) -> tuple[float, IndexReport]:
    settings = Settings(data_dir=data_dir)
    started = time.perf_counter()
    with RayWork(settings, workers=WORKERS) as work:  # ray.init(num_cpus=2) ... ray.shutdown()
        report = Indexer.from_settings(settings, work=work).index([corpus])
    return time.perf_counter() - started, report


def _stages(report: IndexReport) -> str:
    return ", ".join(f"{s.stage} {s.seconds:.1f}" for s in report.stages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ray-bench-") as tmp:
        root = Path(tmp)
        write_corpus(root / "corpus", args.articles, seed=args.seed)
        one_s, one = one_process(root / "corpus", root / "one")
        ray_s, ray = on_ray(root / "corpus", root / "ray")
    assert one.chunks_embedded == ray.chunks_embedded, "both runs must embed the same chunks"
    print(f"{args.articles} articles, {one.chunks_embedded} chunks, packaged MiniLM, {WORKERS} cores")
    print(f"one process ({WORKERS} torch threads): {one_s:6.1f} s   stages: {_stages(one)}")
    print(f"{ray.ran_on} (1 thread each): {ray_s:6.1f} s   stages: {_stages(ray)}")
    print(f"ray / one process: {ray_s / one_s:.2f} (target <= 1.10)")


if __name__ == "__main__":
    main()
