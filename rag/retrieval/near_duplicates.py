"""Near-duplicate passages: the same wire sentence from two outlets, overlapping chunks.

A passage is dropped when most of its text is already shown by a higher-ranked one:
its word 3-gram shingles are mostly (>= `threshold`, `RetrievalTuning.duplicate_containment`
in newsrag/tuning.py) contained in the shingles of a
passage kept before it, or it is a chunk of the same article whose character range
mostly lies inside a kept chunk's range. Containment, not Jaccard: a short passage
quoted inside a long one is a duplicate even though the two sets differ in size.

Deliberately left out: MinHash/LSH. Result lists are tens of passages, so exact
shingle sets are cheaper than any sketch.
"""

from __future__ import annotations

from collections.abc import Sequence

from newsrag.text import words
from newsrag.tuning import RetrievalTuning
from newsrag.types import Passage

Shingles = frozenset[tuple[str, ...]]


def shingles(text: str, size: int = RetrievalTuning.shingle_words) -> Shingles:
    toks = words(text)
    if len(toks) < size:
        return frozenset({tuple(toks)}) if toks else frozenset()
    return frozenset(tuple(toks[i : i + size]) for i in range(len(toks) - size + 1))


def containment(inner: Shingles, outer: Shingles) -> float:
    """Share of `inner` found in `outer` (1.0 when inner is empty)."""
    if not inner:
        return 1.0
    return len(inner & outer) / len(inner)


def _span_overlap(a: Passage, b: Passage) -> float:
    if a.chunk.article_id != b.chunk.article_id:
        return 0.0
    lo = max(a.chunk.start, b.chunk.start)
    hi = min(a.chunk.end, b.chunk.end)
    length = max(1, a.chunk.end - a.chunk.start)
    return max(0, hi - lo) / length


def drop_near_duplicates(
    passages: Sequence[Passage], threshold: float = RetrievalTuning.duplicate_containment, limit: int | None = None
) -> list[Passage]:
    """Passages in order, without those mostly contained in an earlier one; ranks renumbered.

    Stops once `limit` passages are kept (the rest would be cut anyway).
    """
    kept: list[Passage] = []
    kept_shingles: list[Shingles] = []
    for p in passages:
        if limit is not None and len(kept) >= limit:
            break
        mine = shingles(p.chunk.text)
        duplicate = any(
            _span_overlap(p, q) >= threshold or containment(mine, theirs) >= threshold
            for q, theirs in zip(kept, kept_shingles, strict=True)
        )
        if not duplicate:
            kept.append(p)
            kept_shingles.append(mine)
    return [_with_rank(p, i + 1) for i, p in enumerate(kept)]


def _with_rank(p: Passage, rank: int) -> Passage:
    if p.rank == rank:
        return p
    return Passage(p.chunk, p.score, rank, p.dense_score, p.lexical_score, p.rerank_score)
