"""The keyword index `index/` stores: built at index time, named by the manifest, only loaded by `rag/`."""

from __future__ import annotations

import dataclasses

from index.index_reader import open_reader
from index.invariants import check_invariants
from index.lexical import LexicalIndex, corpus_key, lexical_folder, remove_other_lexical, write_lexical
from index.pipeline import Indexer
from rag.retrieval.hybrid_retriever import HybridRetriever

QUESTIONS = ("September 19 deadline", "Who is Iran's ambassador to Baghdad?", "qwertyuiop")


def _chunks(seeds_dir):
    from index.article_files import load_articles
    from index.chunker import Chunker
    from newsrag.settings import Settings

    settings = Settings()
    chunker = Chunker.from_settings(settings)
    return [c for a in load_articles([seeds_dir], settings.file_limits).articles for c in chunker.chunk(a)]


def test_stored_copy_scores_exactly_like_a_fresh_build(tmp_path, seeds_dir):
    chunks = _chunks(seeds_dir)
    key = write_lexical(tmp_path, chunks)
    loaded = LexicalIndex.load(lexical_folder(tmp_path, key), len(chunks), "g1")
    built = LexicalIndex(chunks)
    assert loaded is not None and loaded.loaded and loaded.generation == "g1"
    for q in QUESTIONS:
        assert loaded.search(q, 5) == built.search(q, 5)
        assert list(loaded.scores(q)) == list(built.scores(q))
    assert loaded.idf("deadlin") == built.idf("deadlin") and loaded.document_frequency("iran") > 0
    assert write_lexical(tmp_path, chunks) == key  # stored already: nothing rebuilt


def test_stored_copy_is_opened_memory_mapped_and_survives_its_removal(tmp_path, seeds_dir):
    import numpy as np

    chunks = _chunks(seeds_dir)
    key = write_lexical(tmp_path, chunks)
    mapped = LexicalIndex.load(lexical_folder(tmp_path, key), len(chunks))
    whole = LexicalIndex.load(lexical_folder(tmp_path, key), len(chunks), mmap=False)
    assert mapped is not None and whole is not None
    arrays = [mapped._bm25.scores[k] for k in ("data", "indices", "indptr")]
    # Backed by the file (not read into the heap), yet plain ndarrays (np.memmap slicing is slower).
    assert all(type(a) is np.ndarray and isinstance(a.base, np.memmap) and not a.flags.writeable for a in arrays)
    assert not any(isinstance(whole._bm25.scores[k].base, np.memmap) for k in ("data", "indices", "indptr"))
    # The indexer removes superseded copies while readers may still hold them mapped.
    remove_other_lexical(tmp_path, keep="another-key")
    assert not lexical_folder(tmp_path, key).exists()
    for q in QUESTIONS:
        assert mapped.search(q, 5) == whole.search(q, 5)
        assert list(mapped.scores(q)) == list(whole.scores(q))


def test_key_follows_the_chunks_and_damaged_or_foreign_copies_are_not_loaded(tmp_path, seeds_dir):
    chunks = _chunks(seeds_dir)
    key = write_lexical(tmp_path, chunks)
    edited = [dataclasses.replace(chunks[0], text=chunks[0].text + " Zanzibar."), *chunks[1:]]
    assert corpus_key(edited) != key
    assert LexicalIndex.load(lexical_folder(tmp_path, key), len(chunks) - 1) is None  # other chunk count
    for f in lexical_folder(tmp_path, key).glob("*.npy"):
        f.write_bytes(b"garbage")
    assert LexicalIndex.load(lexical_folder(tmp_path, key), len(chunks)) is None
    assert write_lexical(tmp_path, chunks) == key  # the damaged copy is replaced
    assert LexicalIndex.load(lexical_folder(tmp_path, key), len(chunks)) is not None
    other = write_lexical(tmp_path, edited)
    remove_other_lexical(tmp_path, keep=other)
    assert [p.name for p in (tmp_path / "bm25").iterdir()] == [other]


def test_indexer_stores_it_and_the_read_side_only_loads_it(tmp_path, seeds_copy, make_hash_settings, embedder_cls):
    settings = make_hash_settings(tmp_path / "data")
    embedder = embedder_cls()
    Indexer(settings, embedder).index([seeds_copy])
    assert check_invariants(settings) == []
    reader = open_reader(settings, embedder)
    try:
        first = reader.stored_lexical()
        retriever = HybridRetriever.from_settings(settings, reader, embedder)
        assert retriever.retrieve("September 19 deadline", mode="bm25").passages
        assert retriever.lexical.builds == 0 and retriever.lexical_index().loaded
        # A change re-stores it under the new corpus's key; the read side follows the generation.
        (seeds_copy / "zz_new.txt").write_text("Zanzibar ferry\n\nThe Zanzibar ferry timetable changed on Monday.\n")
        Indexer(settings, embedder).index([seeds_copy])
        second = reader.stored_lexical()
        assert second is not None and second != first and not first.exists()
        hits = retriever.retrieve("Zanzibar ferry timetable", mode="bm25").passages
        assert hits and "Zanzibar" in hits[0].chunk.text
        assert retriever.lexical.builds == 0
    finally:
        reader.manifest.close()
    assert check_invariants(settings) == []


def test_invariants_name_a_missing_or_stale_keyword_index(tmp_path, seeds_copy, make_hash_settings, embedder_cls):
    import shutil

    settings = make_hash_settings(tmp_path / "data")
    Indexer(settings, embedder_cls()).index([seeds_copy])
    shutil.rmtree(settings.data_dir / "bm25")
    assert any("keyword index" in p for p in check_invariants(settings))
    Indexer(settings, embedder_cls()).index([seeds_copy])  # an unchanged run stores it again
    assert check_invariants(settings) == []


def test_positions_and_article_masks_follow_the_chunk_order(tmp_path, seeds_dir):
    chunks = _chunks(seeds_dir)
    key = write_lexical(tmp_path, chunks)
    for index in (LexicalIndex(chunks), LexicalIndex.load(lexical_folder(tmp_path, key), len(chunks))):
        assert index is not None and index.chunk_ids() == [c.id for c in chunks]
        assert all(index.position(c.id) == i for i, c in enumerate(chunks))
        assert index.position("no-such-chunk") is None and index.position("") is None
        first = chunks[0].article_id
        mask = index.article_mask(frozenset({first, "no-such-article"}))
        assert mask.tolist() == [c.article_id == first for c in chunks]
        assert not index.article_mask(frozenset()).any()


def test_a_question_reads_no_whole_index_list(tmp_path, seeds_copy, make_hash_settings, embedder_cls, monkeypatch):
    """Opening the index and answering fetches the chunks a search found by id: nothing reads every
    chunk or every article's text, so a first question costs the same at 1k chunks as at 1M."""
    import datetime as dt

    from index.manifest import Manifest
    from newsrag.types import SearchFilter

    settings = make_hash_settings(tmp_path / "data")
    embedder = embedder_cls()
    Indexer(settings, embedder).index([seeds_copy])

    def refuse(self):
        raise AssertionError("read the whole index on a question's path")

    monkeypatch.setattr(Manifest, "chunks", refuse)
    monkeypatch.setattr(Manifest, "articles", refuse)
    reader = open_reader(settings, embedder)
    try:
        retriever = HybridRetriever.from_settings(settings, reader, embedder)
        assert retriever.retrieve("September 19 deadline", mode="hybrid").passages
        hit = retriever.retrieve("Baghdad", mode="bm25").passages[0].chunk
        name = hit.source_path.rsplit("/", 1)[-1]
        found = retriever.retrieve("Baghdad", mode="hybrid", where=SearchFilter(sources=(name,))).passages
        assert found and all(p.chunk.source_path == hit.source_path for p in found)
        dated = retriever.retrieve("Baghdad", mode="hybrid", where=SearchFilter(date_from=dt.date(2000, 1, 1)))
        assert all(p.chunk.published for p in dated.passages)
        assert retriever.lexical.builds == 0
    finally:
        reader.manifest.close()
