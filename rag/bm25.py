"""The lexical side of retrieval: a BM25 index over every chunk, cached per index generation.

`LexicalIndex` wraps `bm25s` (the library llama-index's BM25Retriever wraps) but
tokenises with `newsrag.text.content_terms`, so the stems and stopwords BM25 matches
are exactly the ones the offline answerer and the checker compare. It also keeps
document frequencies, so the answerer can weight question terms by IDF over the
same corpus.

`LexicalCache` builds the index once from `IndexReader.all_chunks()` and rebuilds it
only when `IndexReader.generation()` changes; it is safe to share between threads
(the UI serves several users at once): readers of an old index keep a consistent
snapshot while a new one is built.

Building means tokenising every chunk in Python: about 4 s for 10,000 chunks and 40 s
for 100,000 on a 2-core CPU, the largest part of a cold start (`bench/scale_bench.py`).
So, given a `cache_dir`, a built index is saved there (bm25s arrays + document
frequencies) under a key that hashes every chunk's id and exact text, the tokenizer's
source (`newsrag/text.py`) and the bm25s version: a saved copy is only ever loaded
for the very corpus and tokenizer it was built from, so it cannot drift from the
index. Only the latest copy is kept; any failure to save or load falls back to
building, so a read-only data dir still works.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import os
import shutil
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsrag.protocols import IndexReader
from newsrag.text import content_terms
from newsrag.types import Chunk

log = logging.getLogger(__name__)
CACHE_FORMAT = "bm25-cache-1"
_DF_FILE = "df.json"


@functools.lru_cache(maxsize=1)
def tokenizer_signature() -> str | None:
    """A hash of the module that defines `content_terms` (None if unreadable: no caching)."""
    import newsrag.text

    try:
        return hashlib.sha256(Path(newsrag.text.__file__).read_bytes()).hexdigest()
    except OSError:
        return None


def corpus_key(chunks: Sequence[Chunk]) -> str | None:
    """What a saved index must have been built from: chunk ids and texts, tokenizer, bm25s."""
    import bm25s

    signature = tokenizer_signature()
    if signature is None:
        return None
    h = hashlib.sha256(f"{CACHE_FORMAT}|{signature}|{bm25s.__version__}|{len(chunks)}".encode())
    for c in chunks:
        h.update(c.id.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
        h.update(c.embedding_text.encode("utf-8", "surrogatepass"))
        h.update(b"\1")
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class LexicalHit:
    """One chunk found by BM25, with its position in `LexicalIndex.chunks`."""

    position: int
    chunk: Chunk
    score: float


class LexicalIndex:
    """BM25 over `Chunk.embedding_text` (title + body) of a fixed list of chunks."""

    def __init__(self, chunks: Sequence[Chunk], generation: str = "", cache_dir: Path | None = None) -> None:
        import bm25s  # imported here: only needed once an index exists

        self.chunks: tuple[Chunk, ...] = tuple(chunks)
        self.generation = generation
        self.positions = {c.id: i for i, c in enumerate(self.chunks)}
        self.size = len(self.chunks)
        self._df: Counter[str] = Counter()
        self._bm25 = None
        self.loaded_from_cache = False
        if not self.chunks:
            return
        key = corpus_key(self.chunks) if cache_dir is not None else None
        if key is not None and self._load(Path(cache_dir) / key):
            self.loaded_from_cache = True
            return
        corpus = [content_terms(c.embedding_text) or [""] for c in self.chunks]
        for terms in corpus:
            self._df.update(set(terms))
        self._bm25 = bm25s.BM25()
        self._bm25.index(corpus, show_progress=False)
        if key is not None:
            self._save(Path(cache_dir), key)

    def _load(self, folder: Path) -> bool:
        import bm25s

        if not (folder / _DF_FILE).is_file():
            return False
        try:
            bm25 = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
            df = json.loads((folder / _DF_FILE).read_text(encoding="utf-8"))
        except Exception as exc:  # noqa: BLE001 - a damaged or half-removed copy: build instead
            log.info("BM25 cache at %s not usable (%s); rebuilding", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)  # so that the rebuilt copy can take its place
            return False
        self._bm25, self._df = bm25, Counter(df)
        return True

    def _save(self, cache_dir: Path, key: str) -> None:
        """Write to a private folder, then rename it into place; drop older copies."""
        tmp = cache_dir / f".tmp-{key}-{os.getpid()}-{threading.get_ident()}"
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            assert self._bm25 is not None
            self._bm25.save(str(tmp), show_progress=False)
            (tmp / _DF_FILE).write_text(json.dumps(self._df), encoding="utf-8")
            os.replace(tmp, cache_dir / key)
        except OSError as exc:  # read-only or full disk, or another process saved it first
            log.info("BM25 cache not saved in %s (%s)", cache_dir, exc)
            shutil.rmtree(tmp, ignore_errors=True)
            return
        for old in cache_dir.iterdir():
            if old.name != key and not old.name.startswith(".tmp-"):
                shutil.rmtree(old, ignore_errors=True)

    def idf(self, term: str) -> float:
        """BM25 (Lucene) inverse document frequency of a stemmed term; unseen terms get the maximum."""
        n = self.size
        d = self._df.get(term, 0)
        return math.log(1.0 + (n - d + 0.5) / (d + 0.5))

    def document_frequency(self, term: str) -> int:
        return self._df.get(term, 0)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros when no query term is known)."""
        if self._bm25 is None:
            return np.zeros(0, dtype=np.float32)
        ids = self._bm25.get_tokens_ids(content_terms(query))
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[LexicalHit]:
        """Top-k chunks with a positive score; `allowed` is a boolean mask (post-filtering)."""
        return self.top_k(self.scores(query), k, allowed)

    def top_k(self, scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[LexicalHit]:
        """`search` over scores already computed by `scores(query)` (the retriever needs both)."""
        if scores.size == 0 or k <= 0:
            return []
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        positive = int(np.count_nonzero(scores > 0))
        k = min(k, positive)
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        # ties broken by position so that results are stable across runs
        top = sorted(top.tolist(), key=lambda i: (-float(scores[i]), i))
        return [LexicalHit(i, self.chunks[i], float(scores[i])) for i in top]


class LexicalCache:
    """The current `LexicalIndex` for a reader, rebuilt when the reader's generation changes."""

    def __init__(self, reader: IndexReader, cache_dir: Path | None = None) -> None:
        self._reader = reader
        self.cache_dir = cache_dir  # where built indexes are saved and looked up (None: never)
        self._index: LexicalIndex | None = None
        self._lock = threading.Lock()
        self.builds = 0  # how many times the index was (re)built: observable in tests

    @property
    def reader(self) -> IndexReader:
        return self._reader

    def set_reader(self, reader: IndexReader) -> None:
        with self._lock:
            self._reader = reader
            self._index = None

    def get(self) -> LexicalIndex:
        generation = self._reader.generation()
        current = self._index
        if current is not None and current.generation == generation:
            return current
        with self._lock:  # one thread builds; the others wait for its result
            current = self._index
            generation = self._reader.generation()
            if current is None or current.generation != generation:
                current = LexicalIndex(self._reader.all_chunks(), generation, self.cache_dir)
                self._index = current
                self.builds += 1
            return current
