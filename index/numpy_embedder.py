"""A sentence-transformers BERT model run in NumPy: the query path's light embedder.

`import sentence_transformers` pulls in torch, transformers and scikit-learn (7-9 s on a
2-core CPU) before the first question can be embedded. A query is a dozen tokens, so
the model's forward pass is a few small matrix products: NumPy (already loaded by
everything else) runs it in a few milliseconds, with the weights read straight from the
model folder's `model.safetensors` and the text split by the folder's own
`tokenizer.json` through `tokenizers` (the library transformers' fast tokenizers are).
Import plus load is about 0.2 s.

`NumpyBertEmbedder` supports exactly the sentence-transformers layout it can reproduce:
a `BertModel` (absolute positions, GELU) followed by mean pooling and, optionally,
normalisation. Its vectors equal sentence-transformers' to float32 rounding (cosine
≥ 0.9999, `tests/index/test_embedder_contract.py`); anything else raises
`UnsupportedModel` and the caller uses the torch backend (`index/embedder.py`).

Deliberately left out: late-chunking span vectors (indexing runs on torch, which is
faster for long batches on this hardware) and any other architecture.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

BACKEND = "numpy"


class UnsupportedModel(Exception):
    """The model folder is not a layout this backend reproduces exactly."""


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7); scipy.special would cost 0.2 s of import.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return np.asarray(sign * (1.0 - poly * np.exp(-a * a)), dtype=np.float32)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    return np.asarray(centred / np.sqrt(var + eps) * weight + bias, dtype=np.float32)


def _read_json(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UnsupportedModel(f"cannot read {path.name}: {exc}") from exc
    if not isinstance(data, dict):
        raise UnsupportedModel(f"{path.name} is not a JSON object")
    return data


def _check_layout(folder: Path) -> tuple[dict[str, object], int, bool]:
    """(BERT config, max sequence length, normalise?) if the folder is a layout this backend runs."""
    modules = json.loads((folder / "modules.json").read_text()) if (folder / "modules.json").is_file() else None
    if not isinstance(modules, list):
        raise UnsupportedModel("no sentence-transformers modules.json")
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise UnsupportedModel(f"modules {kinds}, expected Transformer, Pooling[, Normalize]")
    pooling = _read_json(folder / str(modules[1].get("path", "1_Pooling")) / "config.json")
    wanted = {"pooling_mode_mean_tokens": True}
    others = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v and k not in wanted]
    if pooling.get("pooling_mode_mean_tokens") is not True or others:
        raise UnsupportedModel(f"pooling {pooling}, expected mean pooling only")
    config = _read_json(folder / "config.json")
    if (config.get("model_type"), config.get("hidden_act"), config.get("position_embedding_type", "absolute")) != (
            "bert", "gelu", "absolute"):
        raise UnsupportedModel("expected a BERT model with GELU and absolute positions")
    st_path = folder / "sentence_bert_config.json"
    st_config = _read_json(st_path) if st_path.is_file() else {}
    max_len = int(str(st_config.get("max_seq_length", config.get("max_position_embeddings", 512))))
    if not (folder / "model.safetensors").is_file() or not (folder / "tokenizer.json").is_file():
        raise UnsupportedModel("expected model.safetensors and tokenizer.json")
    return config, max_len, kinds[-1] == "Normalize"


class NumpyBertEmbedder:
    """L2-normalised float32 embeddings (implements `newsrag.protocols.Embedder`)."""

    backend = BACKEND

    def __init__(self, name: str, location: str, batch_size: int, query_threads: int) -> None:
        from safetensors.numpy import load_file
        from threadpoolctl import ThreadpoolController
        from tokenizers import Tokenizer

        folder = Path(location)
        config, self.max_length, self.normalize = _check_layout(folder)
        self.name = name
        self.location = location
        self.batch_size = batch_size
        self.heads = int(str(config["num_attention_heads"]))
        self.eps = float(str(config.get("layer_norm_eps", 1e-12)))
        weights = load_file(str(folder / "model.safetensors"))
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""

        def w(key: str) -> np.ndarray:
            return np.ascontiguousarray(weights[prefix + key], dtype=np.float32)

        self.word = w("embeddings.word_embeddings.weight")
        self.position = w("embeddings.position_embeddings.weight")
        self.token_type = w("embeddings.token_type_embeddings.weight")[0]
        self.embed_norm = (w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(int(str(config["num_hidden_layers"]))):
            p = f"encoder.layer.{i}."
            # q, k and v in one product; weights stored transposed so `x @ W` needs no copy.
            qkv = np.concatenate([w(p + f"attention.self.{n}.weight") for n in ("query", "key", "value")]).T
            qkv_bias = np.concatenate([w(p + f"attention.self.{n}.bias") for n in ("query", "key", "value")])
            self.layers.append((
                np.ascontiguousarray(qkv), qkv_bias,
                np.ascontiguousarray(w(p + "attention.output.dense.weight").T), w(p + "attention.output.dense.bias"),
                w(p + "attention.output.LayerNorm.weight"), w(p + "attention.output.LayerNorm.bias"),
                np.ascontiguousarray(w(p + "intermediate.dense.weight").T), w(p + "intermediate.dense.bias"),
                np.ascontiguousarray(w(p + "output.dense.weight").T), w(p + "output.dense.bias"),
                w(p + "output.LayerNorm.weight"), w(p + "output.LayerNorm.bias"),
            ))
        self.dimension = int(self.word.shape[1])
        self.max_length = min(self.max_length, int(self.position.shape[0]))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.max_length)
        self._lock = threading.Lock()  # the tokenizer's truncation state is shared
        self.query_threads = query_threads
        self._blas = ThreadpoolController()

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, length = ids.shape
        heads, size = self.heads, self.dimension // self.heads
        x = self.word[ids] + self.position[:length] + self.token_type
        x = _layer_norm(x, *self.embed_norm, self.eps)
        # Padding keys get the most negative float32, as transformers' extended attention mask does.
        key_bias = np.where(mask[:, None, None, :] > 0, 0.0, np.finfo(np.float32).min).astype(np.float32)
        scale = np.float32(1.0 / math.sqrt(size))
        for qkv, qkv_b, out_w, out_b, ln1_w, ln1_b, in_w, in_b, ff_w, ff_b, ln2_w, ln2_b in self.layers:
            q, k, v = np.split(x @ qkv + qkv_b, 3, axis=-1)
            q = q.reshape(batch, length, heads, size).transpose(0, 2, 1, 3)
            k = k.reshape(batch, length, heads, size).transpose(0, 2, 3, 1)
            v = v.reshape(batch, length, heads, size).transpose(0, 2, 1, 3)
            scores = (q @ k) * scale + key_bias
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, heads * size)
            x = _layer_norm(x + context @ out_w + out_b, ln1_w, ln1_b, self.eps)
            hidden = x @ in_w + in_b
            hidden = 0.5 * hidden * (1.0 + _erf(hidden * np.float32(1.0 / math.sqrt(2.0))))
            x = _layer_norm(x + hidden.astype(np.float32) @ ff_w + ff_b, ln2_w, ln2_b, self.eps)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (x * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return np.asarray(pooled, dtype=np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            # sentence-transformers strips each text before tokenizing.
            encodings = self.tokenizer.encode_batch([t.strip() for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))  # similar lengths per batch
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for at in range(0, len(order), self.batch_size):
            rows = order[at : at + self.batch_size]
            length = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), length), dtype=np.int64)
            mask = np.zeros((len(rows), length), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            out[rows] = self._forward(ids, mask)
        if self.normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out /= np.where(norms == 0, 1.0, norms)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        # One question is a dozen tokens: more BLAS threads than that buys little and, with
        # another process on the CPU, makes every product wait for a descheduled thread.
        with self._blas.limit(limits=self.query_threads, user_api="blas"):
            return np.asarray(self.embed_documents([text])[0], dtype=np.float32)
