"""Which runtime should run the query path's two models? Ratios measured in one run.

Issue 22 asked that the query embedder move onto the reader's runtime (onnxruntime) unless
that is slower than the NumPy run of the model it had then (0.63 of its time, 2026-12-06:
it moved, `index/onnx_embedder.py`), and that the reader use onnxruntime's transformer
optimisations where they help. This bench keeps measuring both on this machine:

- the query embedder: the query path's ONNX export (`index.onnx_embedder.export_onnx`,
  made into a temporary cache) against sentence-transformers on torch, and against the
  export after onnxruntime's BERT fusions (`evals.reader.export.fuse`), one thread each
  as on the query path; the vectors are compared too (cosine);
- threads: the packaged `reader.onnx` (exported with the same fusions) reading four
  candidate sentences, as the query path does, and the embedder's export, each on one
  thread, on two threads that sleep when idle (`newsrag/onnx_session.py`, the query path)
  and on two spinning threads (onnxruntime's default); idle, then beside a CPU-bound
  process.

Every variant is timed in turn on the same inputs, round after round, so the ratios are
measured under the same load. `python -m bench.query_runtime_bench [--rounds N]`; it
needs torch for the export (installed with the project).

Deliberately left out: the decision itself (README, "Speed").
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from evals.reader.export import fuse
from newsrag.onnx_session import cpu_session

Runner = Callable[[int], np.ndarray]  # one variant: run it on input number i
READ = 4  # sentences the query path's reader reads (rag/models/sentence_reader/combiner.json)

QUESTIONS = (
    "What was the September 19 deadline?",
    "Who is the airline's chief financial officer?",
    "How long is the documentary that opens the festival?",
    "Which ministers met in Baghdad on Sunday and what did they agree about the border?",
    "When will the new bridge open?",
    "How many people were injured in the stampede near Mecca during the annual Hajj pilgrimage?",
)
SENTENCES = (
    "The first test flight of the aircraft may take place as early as March, and the first commercial "
    "flight is expected to take off in mid-2006 from Singapore's Changi Airport.",
    "Airbus chief executive Noel Forgeard stated that he expected sales of the aircraft to exceed the 250 "
    "required for the project to break even.",
    "To date, 149 confirmed orders for the aircraft have been received.",
    "British and American airline Virgin Atlantic has purchased six of these aeroplanes.",
    "The company is currently in talks with China regarding possible sales there.",
    "Boeing's upcoming new design does not attempt to compete directly with the A380.",
)


def _timed(variants: dict[str, Runner], rounds: int, inputs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {k: [] for k in variants}
    for r in range(rounds):
        for name, run in variants.items():
            started = time.perf_counter()
            run(r % inputs)
            times[name].append(time.perf_counter() - started)
    return {k: float(np.median(v)) * 1000 for k, v in times.items()}


def embedder_variants(workdir: Path) -> tuple[dict[str, Runner], dict[str, object]]:
    from index.embedder import load_index_embedder
    from index.onnx_embedder import MODEL_FILE, OnnxEmbedder, export_onnx
    from newsrag.settings import Settings

    settings = Settings(query_threads=1)  # runtimes compared on one thread; threads below
    torch_model = load_index_embedder(settings)
    folder = export_onnx(torch_model, workdir / "export")
    onnx_model = OnnxEmbedder(torch_model.name, folder, 32, 1)
    fused_folder = workdir / "fused"
    fused_folder.mkdir()
    for item in folder.iterdir():
        if item.name != MODEL_FILE:
            (fused_folder / item.name).write_bytes(item.read_bytes())
    fuse(folder / MODEL_FILE, fused_folder / MODEL_FILE, Path(torch_model.location))
    fused_model = OnnxEmbedder(torch_model.name, fused_folder, 32, 1)
    variants: dict[str, Runner] = {
        "onnxruntime (the query path)": lambda i: onnx_model.embed_query(QUESTIONS[i]),
        "torch (sentence-transformers)": lambda i: torch_model.embed_query(QUESTIONS[i]),
        "onnxruntime fused": lambda i: fused_model.embed_query(QUESTIONS[i]),
    }
    cosines = [float(np.dot(torch_model.embed_query(q), variants[name](n))) for n, q in enumerate(QUESTIONS)
               for name in ("onnxruntime (the query path)", "onnxruntime fused")]
    return variants, {"min_cosine_to_torch": round(min(cosines), 6), "model": torch_model.name}


def thread_variants(export: Path, torch_name: str) -> dict[str, dict[str, Runner]]:
    """The reader over four sentences and the embedder's export over one question, each on
    one thread, on two sleeping threads (the query path) and on two spinning ones."""
    from index.onnx_embedder import MODEL_FILE as EMBEDDER_FILE, OnnxEmbedder
    from rag.answering.sentence_reader import (
        MODEL_FILE,
        TOKENIZER_FILE,
        ReaderInput,
        encode_pairs,
        load_tokenizer,
        packaged_reader_dir,
    )

    folder = packaged_reader_dir()
    tokenizer = load_tokenizer(folder / TOKENIZER_FILE)
    feeds = [encode_pairs(tokenizer, q, [ReaderInput(s, "Airbus launches world's largest passenger plane")
                                         for s in (SENTENCES[n:] + SENTENCES[:n])[:READ]])
             for n, q in enumerate(QUESTIONS)]

    def reader(threads: int, spin: bool) -> Runner:
        session = cpu_session(folder / MODEL_FILE, threads, spin)
        names = {i.name for i in session.get_inputs()}
        return lambda i: np.asarray(session.run(None, {k: v for k, v in feeds[i].items() if k in names})[0])

    def embedder(threads: int, spin: bool) -> Runner:
        model = OnnxEmbedder(torch_name, export, 32, threads)
        model._query_session = cpu_session(export / EMBEDDER_FILE, threads, spin)  # the variant's session
        return lambda i: model.embed_query(QUESTIONS[i])

    return {f"{label}, {what}": {"1 thread": make(1, False), "2 threads (the query path)": make(2, False),
                                 "2 threads spinning": make(2, True)}
            for label, make, what in (("reader", reader, f"{READ} candidate sentences"),
                                      ("query embedder", embedder, "one question"))}


def report(title: str, medians: dict[str, float], info: dict[str, object]) -> dict[str, object]:
    base = next(iter(medians.values()))
    print(f"\n{title}: {json.dumps(info)}")
    for name, ms in medians.items():
        print(f"  {name:28s} p50 {ms:7.2f} ms   ratio to the first {ms / base:.2f}")
    return {"p50_ms": {k: round(v, 3) for k, v in medians.items()}, **info}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.query_runtime_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=120)
    parser.add_argument("--out", type=Path, default=None, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        embedders, e_info = embedder_variants(Path(tmp))
        by_model = thread_variants(Path(tmp) / "export", str(e_info.pop("model")))
        result = {"embedder": report("query embedder on each runtime, one thread",
                                     _timed(embedders, args.rounds, len(QUESTIONS)), e_info)}
        for load in ("idle", "beside a CPU-bound process"):
            hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if load != "idle" else None
            try:
                for title, variants in by_model.items():
                    result[f"{title}, {load}"] = report(f"{title}, {load}",
                                                        _timed(variants, args.rounds, len(QUESTIONS)), {})
            finally:
                if hog is not None:
                    hog.kill()
                    hog.wait()
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
