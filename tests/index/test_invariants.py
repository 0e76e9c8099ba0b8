"""check_invariants names each kind of damage, and the next run repairs all of them."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from index.chroma_store import ChromaIndex
from index.invariants import check_invariants
from index.pipeline import Indexer


@pytest.fixture
def built(hash_settings, seeds_copy, embedder_cls, take_snapshot):
    Indexer(hash_settings, embedder_cls()).index([seeds_copy])
    assert check_invariants(hash_settings) == []
    return hash_settings, seeds_copy, take_snapshot(hash_settings)


def _repair(settings, corpus, embedder_cls, take_snapshot, clean):
    embedder = embedder_cls()
    Indexer(settings, embedder).index([corpus])
    assert check_invariants(settings) == []
    assert take_snapshot(settings) == clean
    return embedder.calls


def test_chunk_missing_from_chroma_is_detected_and_re_embedded(built, embedder_cls, take_snapshot) -> None:
    settings, corpus, clean = built
    collection = ChromaIndex.open_for_read(settings).collection
    victim = sorted(collection.get()["ids"])[0]
    collection.delete(ids=[victim])
    problems = check_invariants(settings)
    assert any("missing from Chroma" in p for p in problems)
    assert any("Chroma holds" in p for p in problems)
    calls = _repair(settings, corpus, embedder_cls, take_snapshot, clean)
    assert 0 < calls < len(clean.chunks), "only the damaged article is re-embedded"


def test_stray_chunk_in_chroma_is_detected_and_deleted(built, embedder_cls, take_snapshot) -> None:
    settings, corpus, clean = built
    collection = ChromaIndex.open_for_read(settings).collection
    collection.add(ids=["deadbeef-0000"], embeddings=[np.ones(64, dtype=np.float32)], documents=["stray"],
                   metadatas=[{"article_id": "deadbeef", "fingerprint": "x", "start": 0, "end": 5}])
    assert any("not in manifest" in p for p in check_invariants(settings))
    assert _repair(settings, corpus, embedder_cls, take_snapshot, clean) == 0


def test_stale_chunk_content_is_detected_and_replaced(built, embedder_cls, take_snapshot) -> None:
    settings, corpus, clean = built
    collection = ChromaIndex.open_for_read(settings).collection
    got = collection.get(limit=1, include=["metadatas", "embeddings"])
    meta = dict(got["metadatas"][0], fingerprint="from-an-older-version")
    collection.update(ids=got["ids"], metadatas=[meta], documents=["older text"], embeddings=got["embeddings"])
    assert any("stale" in p for p in check_invariants(settings))
    assert _repair(settings, corpus, embedder_cls, take_snapshot, clean) > 0


def test_offsets_that_do_not_slice_back_are_reported(built) -> None:
    settings, _, _ = built
    conn = sqlite3.connect(settings.manifest_path)
    with conn:
        cid = conn.execute("SELECT id FROM chunks ORDER BY id LIMIT 1").fetchone()[0]
        conn.execute("UPDATE articles SET text = 'rewritten ' || text WHERE id = "
                     "(SELECT article_id FROM chunks WHERE id = ?)", (cid,))
    conn.close()
    assert any("!= chunk text" in p for p in check_invariants(settings))


def test_orphan_manifest_chunks_are_reported(built) -> None:
    settings, _, _ = built
    conn = sqlite3.connect(settings.manifest_path)
    with conn:
        conn.execute('INSERT INTO chunks (id, article_id, ordinal, start, "end", token_count) '
                     "VALUES ('ghost-0000', 'ghost', 0, 0, 1, 1)")
    conn.close()
    problems = check_invariants(settings)
    assert any("orphan chunks in manifest" in p for p in problems)


def test_a_date_mention_that_does_not_quote_its_article_is_reported(built) -> None:
    settings, _, _ = built
    conn = sqlite3.connect(settings.manifest_path)
    with conn:
        aid = conn.execute("SELECT id FROM articles ORDER BY id LIMIT 1").fetchone()[0]
        conn.execute('INSERT INTO dates (article_id, start, "end", text, value, granularity, relative) '
                     "VALUES (?, 0, 11, 'on Saturday', '2023-09-16', 'day', 1)", (aid,))
    conn.close()
    problems = check_invariants(settings)
    assert any("is not the text at [0:11]" in p or "which has no date" in p for p in problems)


def test_an_index_from_before_dates_is_named_and_brought_up_to_date(built, embedder_cls) -> None:
    """A manifest without the dates tables and the origin column: readers are told to re-index,
    and one plain index run upgrades it in place (nothing re-embedded: the seeds have no dates)."""
    from index.manifest import Manifest
    from newsrag.errors import IndexStateError

    settings, corpus, _ = built
    conn = sqlite3.connect(settings.manifest_path)
    with conn:
        conn.execute("DROP TABLE dates")
        conn.execute("DROP TABLE duplicate_groups")
        conn.execute("ALTER TABLE articles DROP COLUMN published_origin")
        conn.execute("DELETE FROM meta WHERE key IN ('dates_version', 'groups_generation')")
    conn.close()
    with pytest.raises(IndexStateError) as err:
        Manifest(settings.manifest_path, readonly=True)
    assert "older version" in err.value.message and "newsrag index" in (err.value.fix or "")
    embedder = embedder_cls()
    report = Indexer(settings, embedder).index([corpus])
    assert report.chunks_embedded == 0 and report.unchanged == report.added + report.updated + report.unchanged
    assert check_invariants(settings) == []
    Manifest(settings.manifest_path, readonly=True).close()
