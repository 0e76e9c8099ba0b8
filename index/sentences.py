"""Sentence vectors for chunks, made at index time so the answerer embeds nothing per sentence.

Every sentence of a chunk (the product's one splitter, `newsrag.text.sentence_spans`)
gets a unit vector, stored beside the chunk in the manifest. Two ways to make them,
chosen by `Settings.sentence_vectors`:

- "late": one forward pass per chunk yields the chunk vector and, by mean-pooling the
  token embeddings that fall inside each sentence, that sentence's vector ("late
  chunking"). No extra model cost; each sentence vector carries its chunk's context.
  Needs an embedder with `embed_with_spans` (`newsrag.protocols.SpanEmbedder`); a
  sentence past the model's token limit is encoded on its own.
- "separate": each sentence is encoded alone, as a query-like short text. Costs about
  as much model time again as the chunks.

`evals/fit.py --sentence-vectors` measures both on the development test split; the
default is the one that won there (see `newsrag/settings.py`).

Deliberately left out: storing vectors for headline-only or sub-word fragments; the
answerer filters sentences, the index keeps every span so offsets stay complete.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from newsrag.protocols import Embedder, SpanEmbedder
from newsrag.text import sentence_spans
from newsrag.types import Chunk, ChunkSentences

SENTENCE_VECTOR_MODES = ("late", "separate")


def chunk_sentence_spans(chunk: Chunk) -> tuple[tuple[int, int], ...]:
    """The chunk's sentences as article offsets."""
    return tuple((chunk.start + s.start, chunk.start + s.end) for s in sentence_spans(chunk.text))


def _embedding_text_spans(chunk: Chunk, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Article offsets -> offsets into `chunk.embedding_text` (the title and a newline come first)."""
    shift = len(chunk.title) + 1 - chunk.start
    return [(start + shift, end + shift) for start, end in spans]


def _normalise(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def embed_chunks(embedder: Embedder, chunks: Sequence[Chunk], mode: str
                 ) -> tuple[np.ndarray, list[ChunkSentences]]:
    """Chunk vectors (as `embed_documents` gives them) and every chunk's sentence vectors."""
    if mode not in SENTENCE_VECTOR_MODES:
        raise ValueError(f"expected a sentence-vector mode in {SENTENCE_VECTOR_MODES}, got {mode!r}")
    spans = [chunk_sentence_spans(c) for c in chunks]
    texts = [c.embedding_text for c in chunks]
    if mode == "late":
        if not isinstance(embedder, SpanEmbedder):  # else the stored vectors would not be what the index says
            raise ValueError(f"expected an embedder with embed_with_spans for late sentence vectors, "
                             f"got {type(embedder).__name__}")
        local = [_embedding_text_spans(c, s) for c, s in zip(chunks, spans, strict=True)]
        chunk_vectors, pooled = embedder.embed_with_spans(texts, local)
        pooled = _fill_unseen(embedder, chunks, spans, [np.asarray(p, dtype=np.float32) for p in pooled])
    else:
        chunk_vectors = embedder.embed_documents(texts)
        pooled = _encode_each(embedder, chunks, spans)
    out = [ChunkSentences(c.id, s, v) for c, s, v in zip(chunks, spans, pooled, strict=True)]
    return np.asarray(chunk_vectors, dtype=np.float32), out


def _sentence_texts(chunk: Chunk, spans: Sequence[tuple[int, int]]) -> list[str]:
    return [chunk.text[start - chunk.start : end - chunk.start] for start, end in spans]


def _encode_each(embedder: Embedder, chunks: Sequence[Chunk], spans: Sequence[Sequence[tuple[int, int]]]
                 ) -> list[np.ndarray]:
    texts = [t for c, s in zip(chunks, spans, strict=True) for t in _sentence_texts(c, s)]
    vectors = embedder.embed_documents(texts) if texts else np.zeros((0, embedder.dimension), np.float32)
    out, at = [], 0
    for s in spans:
        out.append(np.asarray(vectors[at : at + len(s)], dtype=np.float32).reshape(len(s), embedder.dimension))
        at += len(s)
    return out


def _fill_unseen(embedder: Embedder, chunks: Sequence[Chunk], spans: Sequence[Sequence[tuple[int, int]]],
                 pooled: list[np.ndarray]) -> list[np.ndarray]:
    """Sentences the model truncated away (zero rows) are encoded on their own."""
    todo = [(i, j) for i, rows in enumerate(pooled) for j in range(len(rows)) if not rows[j].any()]
    if not todo:
        return pooled
    texts = [_sentence_texts(chunks[i], [spans[i][j]])[0] for i, j in todo]
    vectors = embedder.embed_documents(texts)
    for (i, j), vec in zip(todo, vectors, strict=True):
        pooled[i] = pooled[i].copy()
        pooled[i][j] = vec
    return pooled


def pool_spans(token_vectors: np.ndarray, offsets: Sequence[tuple[int, int]],
               spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Mean of the token vectors whose characters lie inside each span, L2-normalised.

    `offsets` are the tokenizer's (start, end) per token, (0, 0) for special tokens. A
    token belongs to a span when it starts inside it; a span no token starts in is a zero row.
    """
    starts = np.array([s if e > s else -1 for s, e in offsets], dtype=np.int64)
    out = np.zeros((len(spans), token_vectors.shape[1]), dtype=np.float32)
    for row, (start, end) in enumerate(spans):
        mask = (starts >= start) & (starts < end)
        if mask.any():
            out[row] = token_vectors[mask].mean(axis=0)
    return _normalise(out)
