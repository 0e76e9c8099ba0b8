"""Sentence-aware chunking of cleaned articles, sizes counted in tiktoken tokens.

A chunk is a run of whole sentences from `newsrag.text.sentence_spans` (the one
splitter the answerer and checker also use) whose token count stays within
`chunk_tokens`. Consecutive chunks overlap by whole trailing sentences worth at most
`chunk_overlap_tokens`. Only a single sentence longer than the budget is cut, at word
boundaries (mid-word only for a "word" longer than the budget, e.g. a pasted blob).
Every chunk satisfies `article.text[chunk.start:chunk.end] == chunk.text`.

Chunk ids are deterministic (article id + ordinal), which is what makes re-indexing
idempotent and crash recovery possible (see `index/pipeline.py`).

Deliberately left out: the title's tokens. The budget covers the body slice; the title
is carried on every chunk and prepended only in `Chunk.embedding_text`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

import tiktoken

from newsrag.settings import Settings
from newsrag.text import sentence_spans
from newsrag.tuning import ChunkingTuning
from newsrag.types import Article, Chunk

ENCODING_NAME = "cl100k_base"

try:  # the loader owns id rules; this fallback keeps the chunker usable on its own
    from index.ids import chunk_id
except ImportError:  # pragma: no cover - only before index/ids.py exists

    def chunk_id(article_id: str, ordinal: int) -> str:
        return f"{article_id}-{ordinal:04d}"


@functools.lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """cl100k_base, read from TIKTOKEN_CACHE_DIR (see newsrag.offline), never downloaded."""
    return tiktoken.get_encoding(ENCODING_NAME)


def count_tokens(text: str) -> int:
    return len(encoding().encode_ordinary(text))


@dataclass(frozen=True)
class _Unit:
    """A sentence (or a word-boundary piece of an over-long sentence) to pack."""

    start: int
    end: int
    tokens: int


_SPACE = re.compile(r"\s")


def _split_long(text: str, start: int, end: int, budget: int) -> list[_Unit]:
    """Cut text[start:end] into pieces of at most ~budget tokens at whitespace."""
    enc = encoding()
    sentence = text[start:end]
    tokens = enc.encode_ordinary(sentence)
    _, offsets = enc.decode_with_offsets(tokens)
    units: list[_Unit] = []
    pos = 0  # char position inside `sentence`
    tok = 0  # index of the first token at or after `pos`
    while pos < len(sentence):
        while tok < len(offsets) and offsets[tok] < pos:
            tok += 1
        if len(offsets) - tok <= budget:
            cut = len(sentence)
        else:
            limit = offsets[tok + budget]
            space = max((m.start() for m in _SPACE.finditer(sentence, pos + 1, limit)), default=-1)
            cut = space if space > pos else max(limit, pos + 1)  # no space: cut mid-word
        piece_end = cut
        while piece_end > pos and sentence[piece_end - 1].isspace():
            piece_end -= 1
        if piece_end > pos:
            piece = sentence[pos:piece_end]
            units.append(_Unit(start + pos, start + piece_end, len(enc.encode_ordinary(piece))))
        pos = cut
        while pos < len(sentence) and sentence[pos].isspace():
            pos += 1
    return units


def _units(text: str, budget: int) -> list[_Unit]:
    enc = encoding()
    units: list[_Unit] = []
    for span in sentence_spans(text):
        n = len(enc.encode_ordinary(text[span.start : span.end]))
        if n <= budget:
            units.append(_Unit(span.start, span.end, n))
        else:
            units.extend(_split_long(text, span.start, span.end, budget))
    return units


def _cost(units: list[_Unit], i: int, j: int) -> int:
    """Tokens of units[i:j] joined, counting one token per gap (a newline may be its own)."""
    return sum(u.tokens for u in units[i:j]) + max(0, j - i - 1)


def pack(units: list[_Unit], budget: int, overlap: int,
         measure: Callable[[int, int], int] | None = None) -> list[tuple[int, int]]:
    """Greedy packing into [i, j) unit ranges; overlap = whole trailing units of the previous.

    Sizes are estimated from per-unit counts, then `measure(i, j)` (the exact token count
    of the joined slice; tokens can merge across a gap) trims a chunk that came out over.
    """
    ranges: list[tuple[int, int]] = []
    i, n = 0, len(units)
    frontier = 0  # first unit not yet in any chunk: every chunk must take at least one
    while i < n:
        j, cost = i + 1, units[i].tokens
        while j < n and cost + 1 + units[j].tokens <= budget:
            cost += 1 + units[j].tokens
            j += 1
        floor = max(i + 1, frontier + 1)
        if measure is not None:
            while j > floor and measure(i, j) > budget:
                j -= 1
            if i < frontier and measure(i, j) > budget:
                i = frontier  # the overlap leaves no room for the next sentence: drop it
                continue
        ranges.append((i, j))
        frontier = j
        if j >= n:
            break
        k = j  # the next chunk starts at units[k]; k > i guarantees progress
        while k - 1 > i and _cost(units, k - 1, j) <= overlap:
            k -= 1
        while k < j and _cost(units, k, j + 1) > budget:  # the overlap must leave room for units[j]
            k += 1
        i = k
    return ranges


class Chunker:
    """Splits an Article into Chunks; one instance per (chunk_tokens, overlap) setting."""

    def __init__(self, chunk_tokens: int, overlap_tokens: int) -> None:
        if chunk_tokens < 1 or not 0 <= overlap_tokens < chunk_tokens:
            raise ValueError(
                f"expected 0 <= overlap_tokens < chunk_tokens, got {overlap_tokens} and {chunk_tokens}"
            )
        self.chunk_tokens = chunk_tokens
        self.overlap_tokens = overlap_tokens

    @classmethod
    def from_settings(cls, settings: Settings) -> Chunker:
        tuning = ChunkingTuning.from_settings(settings)
        return cls(tuning.chunk_tokens, tuning.overlap_tokens)

    @property
    def signature(self) -> str:
        """Recorded in the manifest: a different chunking means every article is re-chunked."""
        return f"sentences/{ENCODING_NAME}/{self.chunk_tokens}/{self.overlap_tokens}"

    def chunk(self, article: Article) -> tuple[Chunk, ...]:
        text = article.text
        units = _units(text, self.chunk_tokens)

        @functools.cache
        def measure(i: int, j: int) -> int:
            return count_tokens(text[units[i].start : units[j - 1].end])

        chunks = []
        for ordinal, (i, j) in enumerate(pack(units, self.chunk_tokens, self.overlap_tokens, measure)):
            start, end = units[i].start, units[j - 1].end
            body = text[start:end]
            chunks.append(
                Chunk(
                    id=chunk_id(article.id, ordinal),
                    article_id=article.id,
                    ordinal=ordinal,
                    text=body,
                    start=start,
                    end=end,
                    title=article.title,
                    source_path=article.source_path,
                    token_count=measure(i, j),
                    source=article.source,
                    dateline=article.dateline,
                    published=article.published,
                )
            )
        return tuple(chunks)


def chunk_article(article: Article, chunk_tokens: int, overlap_tokens: int) -> tuple[Chunk, ...]:
    return Chunker(chunk_tokens, overlap_tokens).chunk(article)
