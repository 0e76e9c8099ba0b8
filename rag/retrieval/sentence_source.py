"""Sentence spans and vectors for retrieved chunks: stored ones first, encoded ones as a fallback.

`index/` stores every chunk's sentence vectors; `IndexReader.sentences` reads those of
the few chunks a question retrieved. A chunk without stored rows (an index written by
an older version, or a reader that keeps none) has its sentences encoded here, once,
through the embedder, and remembered for the life of the source.

Deliberately left out: writing anything back to the index (only `index/` writes it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from newsrag.protocols import Embedder, IndexReader
from newsrag.text import sentence_spans
from newsrag.types import Chunk, ChunkSentences


class SentenceSource:
    """Sentence vectors of chunks from the index reader, encoding the ones it lacks."""

    def __init__(self, reader: IndexReader, embedder: Embedder, max_encoded: int = 4096) -> None:
        self.reader = reader
        self.embedder = embedder
        self.max_encoded = max_encoded
        self.encoded_chunks = 0  # how many chunks had to be encoded here (0 on a current index)
        self._encoded: OrderedDict[tuple[str, str], ChunkSentences] = OrderedDict()
        self._lock = threading.Lock()

    def for_chunks(self, chunks: Sequence[Chunk]) -> dict[str, ChunkSentences]:
        found = dict(self.reader.sentences([c.id for c in chunks])) if chunks else {}
        missing = [c for c in chunks if c.id not in found]
        for chunk in missing:
            found[chunk.id] = self._encode(chunk)
        return found

    def _encode(self, chunk: Chunk) -> ChunkSentences:
        key = (chunk.id, chunk.text)
        with self._lock:
            hit = self._encoded.get(key)
            if hit is not None:
                self._encoded.move_to_end(key)
                return hit
        spans = tuple((chunk.start + s.start, chunk.start + s.end) for s in sentence_spans(chunk.text))
        texts = [chunk.text[s - chunk.start : e - chunk.start] for s, e in spans]
        vectors = (np.asarray(self.embedder.embed_documents(texts), dtype=np.float32) if texts
                   else np.zeros((0, self.embedder.dimension), dtype=np.float32))
        made = ChunkSentences(chunk.id, spans, vectors)
        with self._lock:
            self.encoded_chunks += 1
            self._encoded[key] = made
            while len(self._encoded) > self.max_encoded:
                self._encoded.popitem(last=False)
        return made
