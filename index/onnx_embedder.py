"""The query path's embedder: the indexing model exported to ONNX and run on onnxruntime.

`import sentence_transformers` pulls in torch, transformers and scikit-learn (7-9 s on a
2-core CPU) before the first question can be embedded. The reader already runs on
onnxruntime (`rag/answering/sentence_reader.py`), so the query embedder runs there too:
one inference runtime for both models and no transformer forward pass of our own
(`make bench-query` measured onnxruntime at 0.63 of the old NumPy run's time a question).

`export_onnx` traces the whole sentence-transformers pipeline (transformer, pooling,
normalisation) with `torch.onnx.export`, so whatever sentence-transformers loads exports
the same way, and it checks the exported vectors against torch's before keeping them
(cosine >= `MIN_COSINE` on texts of several lengths, batched with padding). The export
is made once per model and machine, when the torch model is loaded anyway (an indexing
run, or the first question on a machine that has none), and kept in
`settings.model_cache_dir` under a key of the model's name, its weights' size and
modification time, and `EXPORT_VERSION`; a half-written export never replaces a whole one.
Making one removes those no model will ask for again (`stale_exports`: an older version's,
or of weights that changed or were uninstalled), so reinstalls do not fill the cache.

Deliberately left out: indexing (its late-chunked sentence vectors need token vectors,
which torch gives in the same pass) and quantisation (it would change the vectors the
index was written with; an exact backend must not).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # torch and sentence-transformers load only when exporting
    from onnxruntime import InferenceSession

    from index.embedder import SentenceTransformerEmbedder

BACKEND = "onnx"
EXPORT_VERSION = 1  # bump when the export's graph or files change: older exports are then ignored
MIN_COSINE = 0.9999  # exported against torch vectors; float32 rounding stays far above it
MODEL_FILE, TOKENIZER_FILE, META_FILE = "encoder.onnx", "tokenizer.json", "export.json"
# Texts of several lengths (one token to past the model's limit) for the export's check.
_PROBES = ("Who signed the agreement, and when?", "a", "  padded text  ",
           "The council met on Tuesday and voted to delay the plan until the spring. " * 12)


class ExportError(Exception):
    """The model could not be exported, or its export does not give torch's vectors."""


def _weights_fingerprint(location: str) -> str:
    """Size and modification time of the model folder's weight files (cheap: no hashing of 90 MB)."""
    folder = Path(location)
    if not folder.is_dir():
        return "hub-name"  # a name sentence-transformers resolved itself: the name is the key
    files = sorted(p for p in folder.rglob("*") if p.suffix in {".safetensors", ".bin", ".json"} and p.is_file())
    return ";".join(f"{p.relative_to(folder)}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)


def export_dir(cache_dir: Path, name: str, location: str) -> Path:
    """Where the export of `name` (loaded from `location`) lives in the cache."""
    key = hashlib.sha256(f"{EXPORT_VERSION}|{name}|{location}|{_weights_fingerprint(location)}".encode()).hexdigest()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")[-60:] or "model"
    return cache_dir / "query-encoders" / f"{slug}-{key[:16]}"


def stale_exports(cache_dir: Path) -> list[Path]:
    """Exports in the cache no model will ask for again: of another `EXPORT_VERSION`, or of weights
    that changed or are gone from where they were loaded (their key is no longer their folder).
    Exports of other models and of other installs whose weights are still in place are kept;
    an export being written (a hidden folder) or one whose description cannot be read is left
    to the code that opens it."""
    stale = []
    for folder in sorted((cache_dir / "query-encoders").glob("[!.]*")):
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            version, name, location = meta["version"], str(meta["name"]), str(meta["location"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if version != EXPORT_VERSION or export_dir(cache_dir, name, location) != folder:
            stale.append(folder)
    return stale


def export_onnx(embedder: SentenceTransformerEmbedder, target: Path) -> Path:
    """Export `embedder`'s model into `target` (atomically), check it, and return `target`."""
    import torch

    model = embedder.model
    tokenize = getattr(model, "preprocess", None) or model.tokenize  # sentence-transformers 6 renamed it
    sample = tokenize(["a first probe sentence", "and a second, longer one, padded against the first"])
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

    class Pipeline(torch.nn.Module):  # the tensors positionally, in `names` order
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            pooled: torch.Tensor = self.model(dict(zip(names, tensors, strict=True)))["sentence_embedding"]
            return pooled

    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        axes = {n: {0: "batch", 1: "tokens"} for n in names}
        # The tracer warns about every Python branch it fixes; for this graph each one is the same
        # for every input (checked below on other lengths and batch sizes), so users are not shown them.
        with embedder.lock, torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                torch.onnx.export(Pipeline().eval(), tuple(sample[n] for n in names), str(work / MODEL_FILE),
                                  input_names=names, output_names=["embedding"],
                                  dynamic_axes={**axes, "embedding": {0: "batch"}}, opset_version=17, dynamo=False)
            except Exception as exc:  # a missing `onnx` package, an untraceable architecture, ...
                raise ExportError(f"torch.onnx.export failed: {type(exc).__name__}: {exc}") from exc
        backend = getattr(model.tokenizer, "backend_tokenizer", None)
        if backend is None:
            raise ExportError("expected a fast (Rust) tokenizer to save as tokenizer.json, got a slow one")
        backend.save(str(work / TOKENIZER_FILE))
        meta = {"version": EXPORT_VERSION, "name": embedder.name, "location": embedder.location,
                "dimension": embedder.dimension, "max_tokens": int(model.max_seq_length or 512),
                "lowercase": bool(getattr(model[0], "do_lower_case", False)), "inputs": names}
        (work / META_FILE).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        try:
            exported = OnnxEmbedder(embedder.name, work, embedder.batch_size, embedder.query_threads)
            ours = exported.embed_documents(_PROBES)
        except Exception as exc:  # onnxruntime's own error types: the graph does not load or run
            raise ExportError(f"onnxruntime cannot run the export: {type(exc).__name__}: {exc}") from exc
        theirs = embedder.embed_documents(_PROBES)
        cosine = float((ours * theirs).sum(axis=1).min())
        if cosine < MIN_COSINE:
            raise ExportError(f"expected the export's vectors to equal torch's (cosine >= {MIN_COSINE}), "
                              f"got {cosine:.6f}")
        try:
            work.rename(target)  # atomic; another process that got there first wins
        except OSError:
            if not (target / META_FILE).is_file():
                raise
        return target
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


class OnnxEmbedder:
    """L2-normalised float32 embeddings from an export (implements `newsrag.protocols.Embedder`)."""

    backend = BACKEND

    def __init__(self, name: str, folder: Path, batch_size: int, query_threads: int) -> None:
        from tokenizers import Tokenizer

        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        if meta.get("version") != EXPORT_VERSION or meta.get("name") != name:
            raise ExportError(f"expected an export of {name!r} version {EXPORT_VERSION}, got {meta}")
        self.name = name
        self.folder = folder
        self.dimension = int(meta["dimension"])
        self.batch_size = batch_size
        self.query_threads = query_threads
        self.lowercase = bool(meta["lowercase"])
        self.inputs = list(meta["inputs"])
        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=int(meta["max_tokens"]))
        self._tokenizer_lock = threading.Lock()  # truncation state is shared
        self._query_session = self._session(query_threads)
        self._batch_session: InferenceSession | None = None

    def _session(self, threads: int) -> InferenceSession:
        from newsrag.onnx_session import cpu_session

        return cpu_session(self.folder / MODEL_FILE, threads)

    def _run(self, session: InferenceSession, texts: Sequence[str]) -> np.ndarray:
        # sentence-transformers strips each text (and lowercases it for do_lower_case models) first.
        prepared = [t.strip().lower() if self.lowercase else t.strip() for t in texts]
        with self._tokenizer_lock:
            encodings = self.tokenizer.encode_batch(prepared)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))  # similar lengths per batch
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for at in range(0, len(order), self.batch_size):
            rows = order[at : at + self.batch_size]
            length = max(len(encodings[i].ids) for i in rows)
            feed = {n: np.zeros((len(rows), length), dtype=np.int64) for n in self.inputs}
            for r, i in enumerate(rows):
                e, n = encodings[i], len(encodings[i].ids)
                values = {"input_ids": e.ids, "attention_mask": e.attention_mask, "token_type_ids": e.type_ids}
                for name in self.inputs:
                    feed[name][r, :n] = values[name]
            out[rows] = session.run(None, feed)[0]
        norms = np.linalg.norm(out, axis=1, keepdims=True)  # as torch's normalize_embeddings=True
        return np.asarray(out / np.where(norms == 0, 1.0, norms), dtype=np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) == 1:
            return self._run(self._query_session, texts)
        if self._batch_session is None:  # batches use every core; made on first use (memory)
            self._batch_session = self._session(os.cpu_count() or 1)
        return self._run(self._batch_session, texts)

    def embed_query(self, text: str) -> np.ndarray:
        # One question on `query_threads` threads, asleep when idle (newsrag/onnx_session.py).
        return np.asarray(self._run(self._query_session, [text])[0], dtype=np.float32)
