"""Sentence vectors written by the indexer: one row per chunk sentence, kept consistent with the chunks."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from index.invariants import check_invariants
from index.manifest import Manifest
from index.pipeline import Indexer
from index.sentences import chunk_sentence_spans, embed_chunks, pool_spans
from newsrag.types import Chunk


def _chunk(text: str, title: str = "Title", start: int = 0) -> Chunk:
    return Chunk(id="a-0000", article_id="a", ordinal=0, text=text, start=start, end=start + len(text),
                 title=title, source_path="x.txt", token_count=len(text.split()))


def test_pool_spans_averages_the_tokens_that_start_inside_each_span():
    tokens = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 3.0], [5.0, 5.0]], dtype=np.float32)
    offsets = [(0, 0), (0, 4), (5, 9), (0, 0)]  # [CLS], two words, [SEP]
    out = pool_spans(tokens, offsets, [(0, 4), (5, 9), (20, 30)])
    assert np.allclose(out[0], [0.0, 1.0]) and np.allclose(out[1], [0.0, 1.0])
    assert not out[2].any()  # no token there: a zero row, encoded separately by embed_chunks


def test_separate_mode_gives_one_unit_vector_per_sentence(hash_embedder):
    chunk = _chunk("Iran set a deadline. Iraq agreed to it on Monday.", start=100)
    vectors, (stored,) = embed_chunks(hash_embedder, [chunk], "separate")
    assert stored.spans == chunk_sentence_spans(chunk) == ((100, 120), (121, 149))
    assert np.allclose(np.linalg.norm(stored.vectors, axis=1), 1.0)
    assert np.allclose(stored.vectors[1], hash_embedder.embed_documents(["Iraq agreed to it on Monday."])[0])
    assert np.allclose(vectors[0], hash_embedder.embed_documents([chunk.embedding_text])[0])


def test_unknown_mode_is_an_error(hash_embedder):
    with pytest.raises(ValueError, match="expected a sentence-vector mode"):
        embed_chunks(hash_embedder, [_chunk("A b c d.")], "nope")


def test_late_chunking_keeps_the_model_chunk_vectors_and_pools_sentences(real_embedder):
    chunks = [_chunk("Tehran set a deadline of September 19. Baghdad moved the groups away from the border.",
                     title="Iran and Iraq"), _chunk("A single short sentence here.", title="  Padded title")]
    vectors, stored = embed_chunks(real_embedder, chunks, "late")
    reference = real_embedder.embed_documents([c.embedding_text for c in chunks])
    assert float((vectors * reference).sum(axis=1).min()) >= 0.9999
    assert [len(s.spans) for s in stored] == [2, 1]
    for s in stored:
        assert np.allclose(np.linalg.norm(s.vectors, axis=1), 1.0, atol=1e-5)
    query = real_embedder.embed_query("When was the deadline?")
    assert stored[0].vectors[0] @ query > stored[0].vectors[1] @ query


def _rows(settings) -> int:
    conn = sqlite3.connect(settings.manifest_path)
    try:
        return conn.execute("SELECT COUNT(*) FROM sentences").fetchone()[0]
    finally:
        conn.close()


def test_index_stores_sentences_and_keeps_them_consistent_on_edit_and_delete(hash_settings, hash_embedder,
                                                                             small_corpus):
    indexer = Indexer(hash_settings, hash_embedder)
    indexer.index([small_corpus])
    assert check_invariants(hash_settings) == []
    before = _rows(hash_settings)
    assert before > 0
    files = sorted(p for p in small_corpus.rglob("*") if p.is_file())
    files[0].write_text(files[0].read_text() + "\n\nA brand new closing sentence was added today.\n")
    files[1].unlink()
    indexer.index([small_corpus])
    assert check_invariants(hash_settings) == []
    manifest = Manifest(hash_settings.manifest_path, readonly=True)
    try:
        chunks = manifest.chunks()
        stored = manifest.sentences([c.id for c in chunks], hash_embedder.dimension)
    finally:
        manifest.close()
    assert set(stored) == {c.id for c in chunks}
    for c in chunks:
        assert stored[c.id].spans == chunk_sentence_spans(c)


def test_a_changed_sentence_vector_mode_re_embeds_everything(hash_settings, hash_embedder, small_corpus):
    from index.pipeline import needs_indexing

    Indexer(hash_settings, hash_embedder).index([small_corpus])
    other = hash_settings.model_copy(update={"sentence_vectors": "separate" if hash_settings.sentence_vectors == "late"
                                             else "late"})
    assert needs_indexing(other, [small_corpus])
    report = Indexer(other, hash_embedder).index([small_corpus])
    assert report.unchanged == 0 and report.updated > 0
    assert check_invariants(other) == []


def test_missing_sentence_rows_are_an_invariant_violation(hash_settings, hash_embedder, small_corpus):
    Indexer(hash_settings, hash_embedder).index([small_corpus])
    conn = sqlite3.connect(hash_settings.manifest_path)
    conn.execute("DELETE FROM sentences WHERE rowid IN (SELECT rowid FROM sentences LIMIT 3)")
    conn.execute("INSERT INTO sentences VALUES ('nope', 0, 0, 5, x'00')")
    conn.commit()
    conn.close()
    problems = " | ".join(check_invariants(hash_settings))
    assert "belong to no chunk" in problems and "not 64-dimensional" in problems
