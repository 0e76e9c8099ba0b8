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


def _stored_widths(settings) -> set[int]:
    conn = sqlite3.connect(settings.manifest_path)
    try:
        return {n for (n,) in conn.execute("SELECT DISTINCT length(vector) FROM sentences")}
    finally:
        conn.close()


def test_sentence_vectors_are_stored_as_float16_and_read_back_as_float32(tmp_path):
    from index.manifest import StoredArticle
    from newsrag.types import Article, ChunkSentences

    text = "Iran set a deadline. Iraq agreed to it on Monday."
    article = Article(id="a", title="Title", text=text, source_path="x.txt")
    vectors = np.random.default_rng(3).normal(size=(2, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    manifest = Manifest(tmp_path / "manifest.sqlite")
    try:
        manifest.write_articles([StoredArticle(article, ("x.txt",), "fp", (_chunk(text, start=0),),
                                               (ChunkSentences("a-0000", ((0, 20), (21, 49)), vectors),))])
        stored = manifest.sentences(["a-0000"], 8)["a-0000"]
        (width,) = {len(b) for (b,) in manifest.conn.execute("SELECT vector FROM sentences")}
    finally:
        manifest.close()
    assert width == 8 * 2
    assert stored.vectors.dtype == np.float32 and stored.vectors.shape == (2, 8)
    rounded = vectors.astype(np.float16).astype(np.float32)
    assert np.allclose(stored.vectors, rounded / np.linalg.norm(rounded, axis=1, keepdims=True), atol=1e-7)
    assert not np.array_equal(stored.vectors, vectors)  # really rounded, so the width check above means float16
    assert np.allclose(stored.vectors, vectors, atol=1e-3)
    assert np.allclose(np.linalg.norm(stored.vectors, axis=1), 1.0, atol=1e-6)  # unit rows, as promised


def test_an_index_written_with_float32_sentence_vectors_reads_the_same_vectors(hash_settings, hash_embedder,
                                                                             small_corpus):
    """Indexes written before float16 storage hold 4-byte rows; they read unchanged, no rebuild needed,
    also when some rows were since rewritten as float16 (an incremental run touches changed articles only)."""
    Indexer(hash_settings, hash_embedder).index([small_corpus])
    assert _stored_widths(hash_settings) == {2 * hash_embedder.dimension}
    conn = sqlite3.connect(hash_settings.manifest_path)
    rows = conn.execute("SELECT rowid, vector FROM sentences ORDER BY rowid").fetchall()
    # Widen every other row to float32 bytes of a known vector, as the old writer stored it.
    widened = {rowid: np.frombuffer(blob, dtype=np.float16).astype(np.float32) + np.float32(1e-4)
               for rowid, blob in rows[::2]}
    conn.executemany("UPDATE sentences SET vector = ? WHERE rowid = ?",
                     [(vec.tobytes(), rowid) for rowid, vec in widened.items()])
    conn.commit()
    expected = {}
    for cid, ordinal, rowid, blob in conn.execute("SELECT chunk_id, ordinal, rowid, vector FROM sentences"):
        if rowid in widened:
            expected[(cid, ordinal)] = widened[rowid]
        else:
            half = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
            expected[(cid, ordinal)] = half / (np.linalg.norm(half) or 1.0)
    conn.close()
    assert _stored_widths(hash_settings) == {2 * hash_embedder.dimension, 4 * hash_embedder.dimension}
    assert check_invariants(hash_settings) == []
    manifest = Manifest(hash_settings.manifest_path, readonly=True)
    try:
        stored = manifest.sentences(sorted({cid for cid, _ in expected}), hash_embedder.dimension)
    finally:
        manifest.close()
    assert sum(len(s.spans) for s in stored.values()) == len(expected)
    for cid, s in stored.items():
        assert s.vectors.dtype == np.float32
        for ordinal, row in enumerate(s.vectors):
            assert np.allclose(row, expected[(cid, ordinal)], rtol=0, atol=1e-7)


def test_a_sentence_vector_of_neither_width_is_an_index_state_error(hash_settings, hash_embedder, small_corpus):
    from newsrag.errors import IndexStateError

    Indexer(hash_settings, hash_embedder).index([small_corpus])
    conn = sqlite3.connect(hash_settings.manifest_path)
    cid = conn.execute("SELECT chunk_id FROM sentences LIMIT 1").fetchone()[0]
    conn.execute("UPDATE sentences SET vector = ? WHERE chunk_id = ?", (b"\x00" * 3 * hash_embedder.dimension, cid))
    conn.commit()
    conn.close()
    assert any("not 64-dimensional float16 or float32" in p for p in check_invariants(hash_settings))
    manifest = Manifest(hash_settings.manifest_path, readonly=True)
    try:
        with pytest.raises(IndexStateError, match="rebuild"):
            manifest.sentences([cid], hash_embedder.dimension)
    finally:
        manifest.close()
