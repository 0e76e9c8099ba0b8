"""The read side's keyword index: the one `index/` stored, reloaded when the index changes.

`LexicalCache.get()` returns the `index.lexical.LexicalIndex` for the reader's current
generation: the copy the indexer stored (`IndexReader.stored_lexical()`), opened
memory-mapped without reading any chunk (it holds ids; searches fetch their chunks by id).
Only when there is none for this generation (an index being
written right now, a run that crashed before its end, an index from an older version)
is one built in memory from `IndexReader.all_chunks()`, which is correct but slow (about
4 s per 10,000 chunks); the next `newsrag index` run stores it again. Safe to share
between threads (the UI serves several users): readers of an old index keep a
consistent snapshot while a new one is loaded.

Deliberately left out: building or saving anything on disk; only `index/` writes the index.
"""

from __future__ import annotations

import logging
import threading

from index.lexical import LexicalHit, LexicalIndex
from newsrag.protocols import IndexReader

__all__ = ["LexicalCache", "LexicalHit", "LexicalIndex"]
log = logging.getLogger(__name__)


class LexicalCache:
    """The current `LexicalIndex` for a reader, reloaded when the reader's generation changes."""

    def __init__(self, reader: IndexReader) -> None:
        self._reader = reader
        self._index: LexicalIndex | None = None
        self._lock = threading.Lock()
        self.builds = 0  # indexes built in memory because none was stored: observable in tests

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
        with self._lock:  # one thread loads; the others wait for its result
            current = self._index
            generation = self._reader.generation()
            if current is None or current.generation != generation:
                current = self._load_or_build(generation)
                self._index = current
            return current

    def _load_or_build(self, generation: str) -> LexicalIndex:
        folder = self._reader.stored_lexical()
        loaded = LexicalIndex.load(folder, self._reader.count(), generation) if folder is not None else None
        if loaded is not None:
            return loaded
        chunks = self._reader.all_chunks()
        if folder is not None or chunks:
            log.info("no stored keyword index for this index generation; building one in memory "
                     "(`newsrag index` stores it)")
        self.builds += 1
        return LexicalIndex(chunks, generation)
