"""Shared fixtures and fakes for the whole suite.

The fakes implement the real protocols in `newsrag/protocols.py`:
- `HashEmbedder`: each content word maps to a fixed pseudo-random vector (seeded by a
  hash of the word); a text is the normalised sum. Texts sharing words are close, so
  ranking in logic tests means something, and it is instant and deterministic.

Real parts (Chroma on disk, the packaged MiniLM model) come from fixtures here too,
so tests that need them say so by name.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from newsrag.offline import configure_offline

configure_offline()

from newsrag.settings import Settings  # noqa: E402
from newsrag.text import content_terms  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"


class HashEmbedder:
    """Bag-of-words embedder with hash-seeded word vectors (implements protocols.Embedder)."""

    backend = "hash"

    def __init__(self, dimension: int = 64, name: str = "hash-embedder") -> None:
        self.name = name
        self.dimension = dimension
        self.calls = 0  # how many texts were embedded, so tests can assert "embedded nothing"

    def _word_vector(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
        return np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)

    def _embed(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        for term in content_terms(text):
            vec += self._word_vector(term)
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += len(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._embed(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        self.calls += 1
        return self._embed(text)

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
                         ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Late-chunking contract (protocols.SpanEmbedder): one "pass" per text gives its vector and
        its spans' vectors; here a span's vector is the bag of words inside it."""
        self.calls += len(texts)
        vectors = np.stack([self._embed(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)
        pooled = [np.stack([self._embed(t[s:e]) for s, e in sp]) if sp else np.zeros((0, self.dimension), np.float32)
                  for t, sp in zip(texts, spans, strict=True)]
        return vectors, pooled


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS_DIR


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A private copy of seeds/ that a test may modify."""
    dest = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, dest)
    return dest


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh on-disk data dir per test (real embedded Chroma goes there)."""
    return Settings(data_dir=tmp_path / "data")
