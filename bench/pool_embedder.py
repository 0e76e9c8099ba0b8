"""A benchmark-only Embedder that makes 100k-chunk indexes affordable on a small CPU.

The problem: `bench/corpus.py` builds every article from a bounded pool of real seed
sentences, but MiniLM on a 2-core CPU embeds ~27 chunks/s, so a 100,000-chunk index
would spend about an hour in the model before the code under test (the Indexer's
Chroma and manifest writes, and everything on the read path) does anything.

The shortcut: `SentencePoolEmbedder` splits each text into pieces (the title line and
the sentences of the body, with `newsrag.text.sentence_spans`, the chunker's own
splitter), embeds each *distinct* piece once with the real packaged model, and gives a
text the L2-normalised mean of its pieces' vectors. The corpus has under a thousand
distinct pieces (75 seed sentences, some behind a dateline, and at most 8 x 75 titles
once the article number is taken out: 667 at 100k chunks), so the model runs about a
minute once; the piece vectors are cached on disk (`artifacts/bench-cache/`) and reused.

What stays real: the vector width (384), float32, L2-normalised vectors in MiniLM's
space (queries are embedded with the real model by `embed_query`, and a mean of a
chunk's sentence vectors lies close to the model's vector for the chunk), the Indexer,
Chroma writes and HNSW build, the manifest, BM25, the answerer. What is not: a chunk's
vector is not exactly what MiniLM would give for the whole chunk, so ranking *quality*
on these indexes means nothing; latency, size and memory are what they measure.

`name` is the real model's name on purpose: the index then records the model whose
space its vectors are in, and an unmodified `Assistant` (which loads the real model for
queries) opens it; benchmarks print which embedder built an index.

Deliberately left out: any use outside benchmarks.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from newsrag.text import sentence_spans

DESCRIPTION = ("sentence-pool shortcut: each distinct title/sentence embedded once with the real model, "
               "a chunk = normalised mean of its pieces' vectors (bench/pool_embedder.py)")
_ARTICLE_NUMBER = re.compile(r"^(\w+ Report) \d+:")


class SentencePoolEmbedder:
    """Implements `newsrag.protocols.Embedder` over a real embedder, with a piece cache on disk."""

    def __init__(self, real, cache_dir: Path) -> None:
        self.real = real
        self.name = real.name
        self.backend = real.backend  # its chunk vectors are pooled, but every piece is the real model's
        self.dimension = int(real.dimension)
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", self.name)
        self.cache_dir = Path(cache_dir)
        self._keys_path = self.cache_dir / f"sentence_pool_{safe}.keys.json"
        self._vecs_path = self.cache_dir / f"sentence_pool_{safe}.vectors.npy"
        self._index: dict[str, int] = {}
        self._vectors = np.zeros((0, self.dimension), dtype=np.float32)
        self._lock = threading.Lock()
        self._dirty = False
        self.pieces_embedded = 0  # distinct pieces the real model embedded in this process
        self.texts = 0  # texts (chunks) served
        self._load()

    # ------------------------------------------------------------------ cache
    def _load(self) -> None:
        if not (self._keys_path.is_file() and self._vecs_path.is_file()):
            return
        keys = json.loads(self._keys_path.read_text(encoding="utf-8"))
        vectors = np.load(self._vecs_path)
        if vectors.shape != (len(keys), self.dimension):
            return  # stale or foreign: start again
        self._index = {k: i for i, k in enumerate(keys)}
        self._vectors = vectors.astype(np.float32, copy=False)

    def save(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            keys = [None] * len(self._index)
            for k, i in self._index.items():
                keys[i] = k
            tmp_keys = self._keys_path.with_suffix(".tmp")
            tmp_vecs = self._vecs_path.with_name(self._vecs_path.stem + ".tmp.npy")
            tmp_keys.write_text(json.dumps(keys), encoding="utf-8")
            np.save(tmp_vecs, self._vectors)
            os.replace(tmp_vecs, self._vecs_path)
            os.replace(tmp_keys, self._keys_path)
            self._dirty = False

    @property
    def cached_pieces(self) -> int:
        return len(self._index)

    # ------------------------------------------------------------------ Embedder
    @staticmethod
    def pieces(text: str) -> list[str]:
        """Title line (article number taken out) + body sentences; the whole text if none."""
        title, _, body = text.partition("\n")
        out = [_ARTICLE_NUMBER.sub(r"\1:", title.strip())] if title.strip() else []
        out.extend(s.of(body) for s in sentence_spans(body))
        return out or [text]

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        per_text = [self.pieces(t) for t in texts]
        with self._lock:
            todo = list(dict.fromkeys(p for ps in per_text for p in ps if p not in self._index))
            if todo:
                fresh = self.real.embed_documents(todo)
                base = len(self._index)
                for i, p in enumerate(todo):
                    self._index[p] = base + i
                self._vectors = np.vstack([self._vectors, fresh.astype(np.float32)])
                self.pieces_embedded += len(todo)
                self._dirty = True
            index, vectors = self._index, self._vectors
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, ps in enumerate(per_text):
            mean = vectors[[index[p] for p in ps]].mean(axis=0)
            norm = float(np.linalg.norm(mean))
            out[row] = mean / norm if norm > 0 else mean
        self.texts += len(texts)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.real.embed_query(text)
