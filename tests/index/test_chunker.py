"""Chunker properties: exact offsets, whole sentences, token budget, sentence overlap."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings as hsettings, strategies as st

from index.chunker import Chunker, chunk_article, count_tokens
from index.ids import chunk_id
from newsrag.text import sentence_spans
from newsrag.types import Article

SEEDS = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))


def _article(text: str, title: str = "A headline", aid: str = "abc123") -> Article:
    return Article(id=aid, title=title, text=text, source_path="/x/a.txt", source="Outlet")


def _boundaries(text: str) -> tuple[set[int], set[int]]:
    spans = sentence_spans(text)
    return {s.start for s in spans}, {s.end for s in spans}


def test_seed_chunks_slice_back_and_follow_sentences() -> None:
    for path in SEEDS:
        text = path.read_text(encoding="utf-8")
        longest = max(count_tokens(sp.of(text)) for sp in sentence_spans(text))
        budget = max(100, longest)  # no sentence is cut at this budget
        chunks = chunk_article(_article(text), budget, 24)
        starts, ends = _boundaries(text)
        assert len(chunks) >= 2, path
        for i, c in enumerate(chunks):
            assert text[c.start : c.end] == c.text
            assert c.start in starts and c.end in ends, "a chunk must begin and end on sentence boundaries"
            assert c.token_count == count_tokens(c.text) <= budget
            assert c.id == chunk_id("abc123", i) and c.ordinal == i
        covered = set()
        for c in chunks:
            covered.update(range(c.start, c.end))
        for s in sentence_spans(text):
            assert s.start in covered and s.end - 1 in covered, "every sentence lands in some chunk"


def test_overlap_is_whole_trailing_sentences_within_budget() -> None:
    sentences = [f"Sentence number {i} tells about the border talks in Baghdad." for i in range(30)]
    text = " ".join(sentences)
    chunks = chunk_article(_article(text), 64, 24)
    assert len(chunks) > 3
    starts, ends = _boundaries(text)
    for prev, nxt in zip(chunks, chunks[1:], strict=False):
        assert nxt.start > prev.start, "chunks advance"
        assert nxt.start < prev.end, "consecutive chunks share trailing sentences"
        shared = text[nxt.start : prev.end]
        assert nxt.start in starts and prev.end in ends
        assert count_tokens(shared) <= 24
        assert c_tokens_ok(prev, 64)


def c_tokens_ok(chunk, budget: int) -> bool:
    return chunk.token_count <= budget


def test_zero_overlap_tiles_the_text() -> None:
    text = " ".join(f"Officials met on day {i} to discuss the plan." for i in range(40))
    chunks = chunk_article(_article(text), 48, 0)
    for prev, nxt in zip(chunks, chunks[1:], strict=False):
        assert nxt.start > prev.end  # no shared sentence; only the space between
        assert text[prev.end : nxt.start].strip() == ""


def test_over_long_sentence_is_cut_at_word_boundaries_only() -> None:
    long_sentence = " ".join(f"word{i}" for i in range(600)) + "."
    text = f"Short opening line. {long_sentence} Short closing line."
    chunks = chunk_article(_article(text), 40, 8)
    assert len(chunks) > 5
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert c.start == 0 or text[c.start - 1].isspace(), "pieces start after whitespace"
        assert c.end == len(text) or text[c.end].isspace(), "pieces end before whitespace"
        assert c.token_count <= 41


def test_a_single_huge_word_is_cut_but_still_slices_back() -> None:
    text = "Intro sentence here. " + "x" * 5000 + " Tail."
    chunks = chunk_article(_article(text), 32, 0)
    assert "".join(c.text for c in chunks if "x" in c.text).removesuffix(" Tail.") == "x" * 5000
    for c in chunks:
        assert text[c.start : c.end] == c.text


def test_title_travels_with_every_chunk_and_is_embedded() -> None:
    text = " ".join(f"Line {i} of the story about Iraq." for i in range(60))
    chunks = chunk_article(_article(text, title="Iran Ends Mission"), 48, 8)
    assert all(c.title == "Iran Ends Mission" for c in chunks)
    assert all(c.embedding_text == f"Iran Ends Mission\n{c.text}" for c in chunks)
    assert all(c.source == "Outlet" and c.source_path == "/x/a.txt" for c in chunks)


def test_empty_or_blank_text_gives_no_chunks() -> None:
    assert chunk_article(_article(""), 192, 32) == ()
    assert chunk_article(_article("  \n\n  "), 192, 32) == ()


def test_signature_changes_with_settings() -> None:
    assert Chunker(192, 32).signature != Chunker(128, 32).signature
    assert Chunker(192, 32).signature != Chunker(192, 0).signature


_sentence = st.builds(
    lambda words, end: " ".join(words) + end,
    st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzé’\"-0123456789", min_size=1, max_size=12),
             min_size=1, max_size=40),
    st.sampled_from([".", "!", "?", ".\"", ""]),
)


@hsettings(max_examples=60, deadline=None)
@given(
    sentences=st.lists(_sentence, min_size=0, max_size=30),
    seps=st.lists(st.sampled_from([" ", "  ", "\n", "\n\n", " \n "]), min_size=30, max_size=30),
    budget=st.integers(min_value=8, max_value=80),
    overlap_frac=st.floats(min_value=0, max_value=0.9),
)
def test_property_offsets_exact_and_budget_respected(sentences, seps, budget, overlap_frac) -> None:
    text = "".join(s + sep for s, sep in zip(sentences, seps, strict=False))
    overlap = min(budget - 1, int(budget * overlap_frac))
    chunks = chunk_article(_article(text), budget, overlap)
    starts, ends = _boundaries(text)
    last_start = -1
    for c in chunks:
        assert text[c.start : c.end] == c.text and c.text.strip() == c.text and c.text
        assert c.start > last_start
        last_start = c.start
        whole = c.start in starts and c.end in ends
        if whole and len([s for s in sentence_spans(text) if c.start <= s.start < c.end]) > 1:
            assert c.token_count <= budget, "a multi-sentence chunk never exceeds the budget"
    if text.strip():
        assert chunks and chunks[0].start == sentence_spans(text)[0].start
        assert chunks[-1].end == sentence_spans(text)[-1].end
