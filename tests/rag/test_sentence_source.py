"""Stored sentence vectors are used as they are; a chunk without them is encoded once."""

from __future__ import annotations

from rag.retrieval.sentence_source import SentenceSource


class _NoStoredSentences:
    """A reader that keeps no sentence vectors (an index written before they existed)."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def sentences(self, chunk_ids):
        return {}

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_stored_vectors_are_used_without_embedding(fake_reader, seed_chunks, hash_embedder):
    source = SentenceSource(fake_reader, hash_embedder)
    before = hash_embedder.calls
    got = source.for_chunks(seed_chunks[:3])
    assert set(got) == {c.id for c in seed_chunks[:3]}
    assert hash_embedder.calls == before and source.encoded_chunks == 0


def test_missing_vectors_are_encoded_once_and_match_the_stored_ones(fake_reader, seed_chunks, hash_embedder):
    source = SentenceSource(_NoStoredSentences(fake_reader), hash_embedder)
    first = source.for_chunks(seed_chunks[:2])
    calls = hash_embedder.calls
    again = source.for_chunks(seed_chunks[:2])
    assert hash_embedder.calls == calls and source.encoded_chunks == 2
    stored = fake_reader.sentences([c.id for c in seed_chunks[:2]])
    for cid, made in first.items():
        assert made.spans == stored[cid].spans == again[cid].spans
        assert (abs(made.vectors - stored[cid].vectors) < 1e-6).all()
