"""The keyword (BM25) index over every chunk: built by the indexer, loaded by the read side.

`LexicalIndex` wraps `bm25s` (the library llama-index's BM25Retriever wraps) but
tokenises with `newsrag.text.content_terms`, so the stems and stopwords BM25 matches
are exactly the ones the offline answerer and the checker compare. It also keeps
document frequencies, so the answerer can weight question terms by IDF over the same
corpus.

Tokenising every chunk in Python is the slow part (about 4 s for 10,000 chunks, 40 s
for 100,000 on a 2-core CPU), so `index/pipeline.py` builds it once per run, after the
last chunk is committed, and `write_lexical` stores it under
`<data dir>/bm25/<corpus key>/`: written to a private folder, renamed into place, and
only then named in the manifest (`bm25`, `bm25_generation`), so a crash leaves the
previous copy in force and the manifest never names a half-written one. The key hashes
every chunk's id and text, the tokenizer's source and the bm25s version.

The read side opens the stored arrays memory-mapped (`MMAP`): the operating system pages in
only what searches touch, and a copy removed by `remove_other_lexical` while mapped stays
readable until it is dropped (POSIX unlink semantics). The vocabulary and document
frequencies are JSON and are read whole.

Deliberately left out: incremental updates (a rebuild of 100k chunks is 40 s, once per
indexing run) and any query-time logic beyond scoring (`rag/retrieval/keyword_index.py`,
`rag/retrieval/hybrid_retriever.py`).
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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsrag.text import content_terms
from newsrag.types import Chunk

log = logging.getLogger(__name__)
FORMAT = "bm25-3"
FOLDER = "bm25"  # under the data dir
_DF_FILE = "df.json"
_INFO_FILE = "info.json"
_IDS_FILE = "chunk_ids.npy"  # position -> chunk id
_ORDER_FILE = "id_order.npy"  # positions sorted by chunk id, for lookups by id
_ARTICLE_OF_FILE = "article_of.npy"  # position -> article number
_ARTICLES_FILE = "articles.json"  # article number -> article id
# Open the stored arrays memory-mapped (`bench/lexical_mmap_bench.py`, 2-core CPU, page cache warm): at
# 50,000 chunks the load takes 44 ms instead of 60 ms and adds 22 MB resident instead of 64 MB; pages
# searches touch are file-backed page cache the kernel can drop, not heap; search p50 unchanged (0.48 ms).
MMAP = True


@functools.lru_cache(maxsize=1)
def tokenizer_signature() -> str:
    """A hash of the module that defines `content_terms`: a changed tokenizer means a new key."""
    import newsrag.text

    return hashlib.sha256(Path(newsrag.text.__file__).read_bytes()).hexdigest()


def corpus_key(chunks: Sequence[Chunk]) -> str:
    """What a stored index was built from: chunk ids and texts, tokenizer, bm25s version."""
    import bm25s

    h = hashlib.sha256(f"{FORMAT}|{tokenizer_signature()}|{bm25s.__version__}|{len(chunks)}".encode())
    for c in chunks:
        h.update(c.id.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
        h.update(c.embedding_text.encode("utf-8", "surrogatepass"))
        h.update(b"\1")
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class LexicalHit:
    """One chunk found by BM25: its position in the index's order, its id and its score."""

    position: int
    chunk_id: str
    score: float


def _ids_array(ids: Sequence[str]) -> np.ndarray:
    """Chunk ids as a fixed-width bytes array (UTF-8): mappable, searchable, ~21 bytes an id."""
    return np.array([i.encode("utf-8", "surrogatepass") for i in ids], dtype=bytes) if ids else np.zeros(0, "S1")


class LexicalIndex:
    """BM25 over `Chunk.embedding_text` (title + body) of a fixed list of chunks.

    It holds chunk ids, not chunks: the caller fetches the few chunks a search returns by id
    (`IndexReader.chunks`), so opening a stored copy reads no chunk text. Each position also
    knows its article, for filters (`article_mask`).
    """

    def __init__(self, chunks: Sequence[Chunk], generation: str = "") -> None:
        """Build in memory (tokenises every chunk)."""
        import bm25s  # imported here: only needed once an index exists

        self._df: Counter[str] = Counter()
        self._bm25: bm25s.BM25 | None = None
        self.loaded = False  # True when read from a stored copy instead of built here
        articles = list(dict.fromkeys(c.article_id for c in chunks))
        number = {a: n for n, a in enumerate(articles)}
        self._set_ids(_ids_array([c.id for c in chunks]), articles,
                      np.array([number[c.article_id] for c in chunks], dtype=np.int32), generation)
        if not chunks:
            return
        corpus = [content_terms(c.embedding_text) or [""] for c in chunks]
        for terms in corpus:
            self._df.update(set(terms))
        self._bm25 = bm25s.BM25()
        self._bm25.index(corpus, show_progress=False)

    def _set_ids(self, ids: np.ndarray, articles: list[str], article_of: np.ndarray, generation: str,
                 order: np.ndarray | None = None) -> None:
        self._ids = ids  # position -> chunk id (bytes)
        self._order = np.argsort(ids, kind="stable").astype(np.int32) if order is None else order
        self._articles = articles  # article number -> article id
        self._article_of = article_of  # position -> article number
        self._article_numbers: dict[str, int] | None = None  # built on the first filtered search
        self.generation = generation
        self.size = int(ids.shape[0])

    @classmethod
    def load(cls, folder: Path, chunk_count: int, generation: str = "", *,
             mmap: bool = MMAP) -> LexicalIndex | None:
        """The copy stored in `folder` for an index of `chunk_count` chunks, or None if it is
        missing, damaged or of another size (the manifest's generation says it is the current one)."""
        import bm25s

        try:
            info = json.loads((folder / _INFO_FILE).read_text(encoding="utf-8"))
            if info.get("format") != FORMAT or info.get("chunks") != chunk_count:
                return None
            ids, order, article_of = (np.load(folder / name, mmap_mode="r" if mmap else None, allow_pickle=False)
                                      for name in (_IDS_FILE, _ORDER_FILE, _ARTICLE_OF_FILE))
            articles = json.loads((folder / _ARTICLES_FILE).read_text(encoding="utf-8"))
            if not (ids.shape == order.shape == article_of.shape == (chunk_count,)):
                return None
            bm25 = (bm25s.BM25.load(str(folder), mmap=mmap, show_progress=False, verbosity=0)
                    if chunk_count else None)
            df = json.loads((folder / _DF_FILE).read_text(encoding="utf-8"))
            if bm25 is not None:
                # Plain ndarray views of the same mapping (no copy): every slice of an np.memmap goes
                # through its subclass hooks, which made a search ~20 % slower at 10,000 chunks.
                bm25.scores = {k: _plain(v) for k, v in bm25.scores.items()}
        except Exception as exc:  # noqa: BLE001 - a damaged or half-removed copy: the caller builds instead
            log.info("BM25 index at %s not usable (%s)", folder, exc)
            return None
        index = cls.__new__(cls)
        index._set_ids(_plain(ids), articles, _plain(article_of), generation, _plain(order))
        index._bm25, index._df, index.loaded = bm25, Counter(df), True
        return index

    def save(self, folder: Path) -> None:
        """Write into `folder` (which must not exist yet)."""
        folder.mkdir(parents=True)
        if self._bm25 is not None:
            self._bm25.save(str(folder), show_progress=False)
        np.save(folder / _IDS_FILE, self._ids, allow_pickle=False)
        np.save(folder / _ORDER_FILE, self._order, allow_pickle=False)
        np.save(folder / _ARTICLE_OF_FILE, self._article_of, allow_pickle=False)
        (folder / _ARTICLES_FILE).write_text(json.dumps(self._articles), encoding="utf-8")
        (folder / _DF_FILE).write_text(json.dumps(self._df), encoding="utf-8")
        # Written last: a folder without it is incomplete and never loaded.
        (folder / _INFO_FILE).write_text(json.dumps({"format": FORMAT, "chunks": self.size}), encoding="utf-8")

    def chunk_id(self, position: int) -> str:
        return bytes(self._ids[position]).decode("utf-8", "surrogatepass")

    def chunk_ids(self) -> list[str]:
        """Every chunk id, in position order."""
        return [bytes(b).decode("utf-8", "surrogatepass") for b in self._ids]

    def position(self, chunk_id: str) -> int | None:
        """Where a chunk is in this index (binary search over the sorted ids), None if absent."""
        if not self.size:
            return None
        key = np.array(chunk_id.encode("utf-8", "surrogatepass"), dtype=bytes)
        at = int(np.searchsorted(self._ids, key, sorter=self._order))
        if at < self.size and self._ids[self._order[at]] == key:
            return int(self._order[at])
        return None

    def article_mask(self, article_ids: frozenset[str]) -> np.ndarray:
        """True at the positions of chunks of these articles."""
        if self._article_numbers is None:
            self._article_numbers = {a: n for n, a in enumerate(self._articles)}
        wanted = [n for a in article_ids if (n := self._article_numbers.get(a)) is not None]
        return np.isin(self._article_of, np.array(wanted, dtype=np.int32))

    def articles_with(self, terms: Iterable[str]) -> frozenset[str]:
        """Ids of the articles with a chunk stating one of these (stemmed) terms: the stored
        term -> chunks lists read for just these terms, each chunk mapped to its article."""
        if self._bm25 is None:
            return frozenset()
        token_ids = self._bm25.get_tokens_ids(list(terms))
        if not token_ids:
            return frozenset()
        indptr, indices = self._bm25.scores["indptr"], self._bm25.scores["indices"]
        chunks = np.concatenate([indices[indptr[t] : indptr[t + 1]] for t in token_ids])
        return frozenset(self._articles[n] for n in np.unique(self._article_of[chunks]).tolist())

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
        ordered = sorted(top.tolist(), key=lambda i: (-float(scores[i]), i))
        return [LexicalHit(i, self.chunk_id(i), float(scores[i])) for i in ordered]


def _plain(array: np.ndarray) -> np.ndarray:
    return array.view(np.ndarray) if isinstance(array, np.memmap) else array


def lexical_folder(data_dir: Path, key: str) -> Path:
    return data_dir / FOLDER / key


def write_lexical(data_dir: Path, chunks: Sequence[Chunk]) -> str:
    """Build and store the index for `chunks` (unless stored already); returns its key.

    Older copies are left for `remove_other_lexical` once the manifest names the new one.
    """
    key = corpus_key(chunks)
    final = lexical_folder(data_dir, key)
    if LexicalIndex.load(final, len(chunks)) is not None:
        return key
    shutil.rmtree(final, ignore_errors=True)  # a damaged copy under the same key
    tmp = data_dir / FOLDER / f".tmp-{key}-{os.getpid()}-{threading.get_ident()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        LexicalIndex(chunks).save(tmp)
        os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return key


def remove_other_lexical(data_dir: Path, keep: str) -> None:
    """Delete stored copies (and leftovers of interrupted writes) other than `keep`."""
    folder = data_dir / FOLDER
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.name != keep:
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
