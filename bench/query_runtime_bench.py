"""Which runtime should run the query path's two models? Ratios measured in one run.

Issue 22 asks that the query embedder move onto the reader's runtime (onnxruntime) unless
that is slower than `index/numpy_embedder.py`, and that the reader use onnxruntime's
transformer optimisations where they help. This bench measures both on this machine:

- the query embedder: `NumpyBertEmbedder.embed_query` against the same packaged MiniLM
  exported to ONNX (`torch.onnx.export`, opset 17) and run on onnxruntime, plain and after
  the export's BERT fusions (`evals.reader.export.fuse`), one thread as on the query path;
  the vectors are compared too (cosine);
- the reader: the packaged `reader.onnx` (exported with the same fusions) on one and two
  threads, reading six candidate sentences. Fused against plain was measured before the
  export adopted the fusions: 0.90 on one thread (README, "Speed").

Every variant is timed in turn on the same inputs, round after round, so the ratios are
measured under the same load. `python -m bench.query_runtime_bench [--rounds N]`; it
needs torch and onnx (`make setup-test` installs them) for the export, written to a
temporary folder and thrown away.

Deliberately left out: moving anything. The printed ratios are what the decision rests on
(README, "Speed").
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from evals.reader.export import fuse

Runner = Callable[[int], np.ndarray]  # one variant: run it on input number i

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


def _session(path: Path, threads: int):  # type: ignore[no-untyped-def]
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _export_embedder(folder: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    class Encoder(torch.nn.Module):  # keyword arguments: BertModel.forward's positional order changes by version
        def __init__(self) -> None:
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(folder))

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    model = Encoder().eval()
    ids = torch.ones((1, 8), dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in names}
    with torch.inference_mode():
        torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(out), input_names=names,
                          output_names=["hidden"], dynamic_axes={**axes, "hidden": {0: "batch", 1: "tokens"}},
                          opset_version=17, dynamo=False)


def _timed(variants: dict[str, Runner], rounds: int, inputs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {k: [] for k in variants}
    for r in range(rounds):
        for name, run in variants.items():
            started = time.perf_counter()
            run(r % inputs)
            times[name].append(time.perf_counter() - started)
    return {k: float(np.median(v)) * 1000 for k, v in times.items()}


def embedder_variants(workdir: Path) -> tuple[dict[str, Runner], dict[str, object]]:
    from tokenizers import Tokenizer

    from index.embedder import packaged_model_path
    from index.numpy_embedder import NumpyBertEmbedder

    folder = Path(str(packaged_model_path()))
    numpy_model = NumpyBertEmbedder("all-MiniLM-L6-v2", str(folder), 32, 1)
    raw, fused = workdir / "embedder.onnx", workdir / "embedder_fused.onnx"
    _export_embedder(folder, raw)
    fuse(raw, fused, folder)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()

    def onnx_query(path: Path) -> Callable[[int], np.ndarray]:
        session = _session(path, 1)

        def run(i: int) -> np.ndarray:
            enc = tokenizer.encode(QUESTIONS[i])
            ids = np.asarray([enc.ids], dtype=np.int64)
            mask = np.asarray([enc.attention_mask], dtype=np.int64)
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})[0][0]
            vector = np.asarray(hidden, dtype=np.float32).mean(axis=0)
            return np.asarray(vector / np.linalg.norm(vector))
        return run

    variants: dict[str, Runner] = {
        "numpy (today)": lambda i: np.asarray(numpy_model.embed_query(QUESTIONS[i])),
        "onnxruntime": onnx_query(raw),
        "onnxruntime fused": onnx_query(fused),
    }
    cosines = [float(np.dot(numpy_model.embed_query(q), variants["onnxruntime fused"](n)))
               for n, q in enumerate(QUESTIONS)]
    return variants, {"min_cosine_fused_vs_numpy": round(min(cosines), 6)}


def reader_variants() -> tuple[dict[str, Runner], dict[str, object]]:
    """The packaged reader (exported fused by `evals/reader/export.py`) on one and two threads."""
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
    candidates = [ReaderInput(s, "Airbus launches world's largest passenger plane") for s in SENTENCES]
    feeds = [encode_pairs(tokenizer, q, candidates) for q in QUESTIONS]

    def reader(threads: int) -> Runner:
        session = _session(folder / MODEL_FILE, threads)
        names = {i.name for i in session.get_inputs()}
        return lambda i: np.asarray(session.run(None, {k: v for k, v in feeds[i].items() if k in names})[0])

    return {"1 thread (the query path)": reader(1), "2 threads": reader(2)}, {"candidates": len(SENTENCES)}


def report(title: str, medians: dict[str, float], info: dict[str, object]) -> dict[str, object]:
    base = next(iter(medians.values()))
    print(f"\n{title}: {json.dumps(info)}")
    for name, ms in medians.items():
        print(f"  {name:28s} p50 {ms:7.2f} ms   ratio to today {ms / base:.2f}")
    return {"p50_ms": {k: round(v, 3) for k, v in medians.items()}, **info}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.query_runtime_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=120)
    parser.add_argument("--out", type=Path, default=None, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        embedders, e_info = embedder_variants(Path(tmp))
        readers, r_info = reader_variants()
        result = {"embedder": report("query embedder, one question", _timed(embedders, args.rounds, len(QUESTIONS)),
                                     e_info),
                  "reader": report("reader, six candidate sentences", _timed(readers, args.rounds, len(QUESTIONS)),
                                   r_info)}
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
