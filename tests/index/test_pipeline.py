"""The indexer end to end on a real on-disk Chroma: incremental runs, scope, errors, reads."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.dates import find_date_mentions
from index.index_reader import open_reader, read_status
from index.invariants import check_invariants
from index.lock import IndexLock
from index.pipeline import Indexer, IndexProgress, needs_indexing
from newsrag.errors import ConfigError, IndexStateError
from newsrag.settings import Settings
from newsrag.types import FileLimits, SearchFilter
from tests.fakes import HashEmbedder
from tests.index.conftest import hash_settings_for, snapshot


def _index(settings, paths, embedder=None, **kw):
    embedder = embedder or HashEmbedder()
    return Indexer.from_settings(settings, embedder=embedder).index([Path(p) for p in paths], **kw), embedder


# ------------------------------------------------------------------ real model, seeds


@pytest.fixture(scope="module")
def seeds_index(tmp_path_factory, real_embedder):
    settings = Settings(data_dir=tmp_path_factory.mktemp("seeds-real") / "data")
    events: list[IndexProgress] = []
    report = Indexer.from_settings(settings, embedder=real_embedder).index(
        [Path(__file__).resolve().parents[2] / "seeds"], progress=events.append
    )
    return settings, report, events


def test_seeds_end_to_end_with_the_packaged_model(seeds_index, real_embedder) -> None:
    settings, report, events = seeds_index
    assert report.problems == ()
    assert report.added >= 5 and report.chunks_total == report.chunks_embedded > report.added
    assert check_invariants(settings) == []
    status = read_status(settings)
    assert (status.articles, status.chunks) == (report.added, report.chunks_total)
    assert status.embedding_model == "all-MiniLM-L6-v2" and status.last_indexed is not None
    assert [e.stage for e in events][0] == "load" and events[-1].stage == "done"
    embeds = [e for e in events if e.stage == "embed"]
    assert embeds[-1].done == embeds[-1].total == report.chunks_embedded

    reader = open_reader(settings, real_embedder)
    query = real_embedder.embed_query("What deadline did Tehran set for the Kurdistan Regional Government?")
    passages = reader.dense_search(query, 4, None)
    assert [p.rank for p in passages] == [1, 2, 3, 4]
    assert "September 19" in passages[0].chunk.text
    scores = [p.dense_score for p in passages]
    assert scores == sorted(scores, reverse=True) and 0.3 < scores[0] <= 1.0
    top = passages[0].chunk
    article = reader.article(top.article_id)
    assert article is not None and article.text[top.start : top.end] == top.text
    assert {c.id for c in reader.all_chunks()} == {c.id for c in _all_ids(reader)}


def _all_ids(reader):
    return [c for c in reader.all_chunks()]


def test_reader_refuses_another_embedding_model(seeds_index) -> None:
    settings, _, _ = seeds_index
    with pytest.raises(IndexStateError) as err:
        open_reader(settings, HashEmbedder())
    assert "all-MiniLM-L6-v2" in str(err.value) and "hash-embedder" in str(err.value)


# ------------------------------------------------------------------ incremental behaviour


def test_unchanged_corpus_embeds_nothing(hash_settings, small_corpus) -> None:
    first, _ = _index(hash_settings, [small_corpus])
    before = snapshot(hash_settings)
    gen = open_reader(hash_settings).generation()
    again, embedder = _index(hash_settings, [small_corpus])
    assert embedder.calls == 0
    assert (again.unchanged, again.added, again.updated, again.removed) == (first.added, 0, 0, 0)
    assert again.chunks_embedded == 0 and again.chunks_total == first.chunks_total
    assert again.seconds < first.seconds
    assert snapshot(hash_settings) == before
    assert open_reader(hash_settings).generation() == gen, "a no-op run must not invalidate readers"


def test_a_new_index_dates_each_article_once(hash_settings, seeds_copy, monkeypatch) -> None:
    """Articles are dated as they are written; a first run does not date them all again after."""
    import index.pipeline
    import index.work

    calls: list[str] = []

    def counting(article):
        calls.append(article.id)
        return find_date_mentions(article)

    monkeypatch.setattr(index.work, "find_date_mentions", counting)
    monkeypatch.setattr(index.pipeline, "find_date_mentions", counting)
    report, _ = _index(hash_settings, [seeds_copy])
    assert report.added >= 5 and sorted(calls) == sorted(set(calls)) and len(calls) == report.added
    assert check_invariants(hash_settings) == [] and not needs_indexing(hash_settings, [seeds_copy])


def test_changed_file_is_re_embedded_and_its_old_version_removed(hash_settings, small_corpus) -> None:
    _index(hash_settings, [small_corpus])
    reader = open_reader(hash_settings)
    gen = reader.generation()
    target = sorted(small_corpus.rglob("*.txt"))[3]
    old_ids = {a.id for a in reader.articles() if a.source_path == str(target.resolve())}
    target.write_text(target.read_text() + "\nA new closing paragraph about the ceasefire talks.\n")
    report, embedder = _index(hash_settings, [small_corpus])
    assert (report.updated, report.added, report.removed) == (1, 0, 0)
    assert 0 < embedder.calls == report.chunks_embedded < report.chunks_total
    assert not old_ids & {a.id for a in reader.articles()}
    assert any("ceasefire talks" in a.text for a in reader.articles())
    assert reader.generation() != gen
    assert check_invariants(hash_settings) == []


def test_deleted_file_removes_its_chunks(hash_settings, small_corpus) -> None:
    first, _ = _index(hash_settings, [small_corpus])
    victim = sorted(small_corpus.rglob("*.txt"))[0]
    victim.unlink()
    report, embedder = _index(hash_settings, [small_corpus])
    assert (report.removed, report.unchanged, embedder.calls) == (1, first.added - 1, 0)
    assert report.chunks_total < first.chunks_total
    assert all(a.source_path != str(victim.resolve()) for a in open_reader(hash_settings).articles())
    assert check_invariants(hash_settings) == []


def test_indexing_another_folder_never_deletes_the_first(hash_settings, seeds_copy, tmp_path) -> None:
    seeds_report, _ = _index(hash_settings, [seeds_copy])
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "a.md").write_text("# Uploaded story\n\nOfficials in Geneva agreed on a new timetable for talks.\n")
    (uploads / "b.md").write_text("# Second upload\n\nThe ministry said the border crossing would reopen in May.\n")
    up, _ = _index(hash_settings, [uploads])
    assert up.added == 2 and up.removed == 0
    (uploads / "b.md").unlink()
    up2, _ = _index(hash_settings, [uploads])
    assert up2.removed == 1
    status = read_status(hash_settings)
    assert status.articles == seeds_report.added + 1
    assert check_invariants(hash_settings) == []


def test_identical_story_in_two_files_is_stored_once_with_both_paths(hash_settings, seeds_copy) -> None:
    original = sorted(seeds_copy.glob("*.txt"))[0]
    copy = seeds_copy / "zz_copy.txt"
    shutil.copy(original, copy)
    report, _ = _index(hash_settings, [seeds_copy])
    reader = open_reader(hash_settings)
    matching = [a for a in reader.articles() if a.source_path == str(original.resolve())]
    assert len(matching) == 1
    sources = reader.manifest.sources()[matching[0].id]
    assert sources == sorted([str(original.resolve()), str(copy.resolve())])
    original.unlink()  # one copy left: the story stays, with the remaining path
    again, embedder = _index(hash_settings, [seeds_copy])
    assert again.removed == 0 and embedder.calls == 0
    assert reader.manifest.sources()[matching[0].id] == [str(copy.resolve())]
    copy.unlink()
    last, _ = _index(hash_settings, [seeds_copy])
    assert last.removed == 1 and reader.article(matching[0].id) is None


def test_chunk_setting_change_re_chunks_everything(tmp_path, small_corpus) -> None:
    first, _ = _index(hash_settings_for(tmp_path / "d"), [small_corpus])
    smaller = hash_settings_for(tmp_path / "d", chunk_tokens=96, chunk_overlap_tokens=16)
    assert needs_indexing(smaller, [small_corpus])
    report, embedder = _index(smaller, [small_corpus])
    assert report.updated == first.added and embedder.calls == report.chunks_total > first.chunks_total
    assert check_invariants(smaller) == []


# ------------------------------------------------------------------ model, lock, needs_indexing


def test_another_model_on_an_existing_index_needs_rebuild(hash_settings, seeds_copy) -> None:
    _index(hash_settings, [seeds_copy])
    other = HashEmbedder(dimension=32, name="other-model")
    with pytest.raises(IndexStateError) as err:
        _index(hash_settings, [seeds_copy], embedder=other)
    text = str(err.value)
    assert "hash-embedder" in text and "other-model" in text and "--rebuild" in text
    report, _ = _index(hash_settings, [seeds_copy], embedder=other, rebuild=True)
    assert report.chunks_embedded == report.chunks_total and report.added > 0
    assert read_status(hash_settings).embedding_model == "other-model"
    assert check_invariants(hash_settings) == []


def test_needs_indexing_tracks_files(hash_settings, seeds_copy) -> None:
    assert needs_indexing(hash_settings, [seeds_copy])
    _index(hash_settings, [seeds_copy])
    assert not needs_indexing(hash_settings, [seeds_copy])
    target = sorted(seeds_copy.glob("*.txt"))[1]
    os.chmod(target, 0o644)
    content = target.read_text()
    target.write_text(content)  # same bytes, new mtime: the hash says unchanged
    os.utime(target, ns=(1, 1))
    assert not needs_indexing(hash_settings, [seeds_copy])
    target.write_text(content + "\nMore.\n")
    assert needs_indexing(hash_settings, [seeds_copy])
    _index(hash_settings, [seeds_copy])
    (seeds_copy / "new.txt").write_text("A new story\nSomething happened in Basra on Monday.\n")
    assert needs_indexing(hash_settings, [seeds_copy])
    _index(hash_settings, [seeds_copy])
    (seeds_copy / "new.txt").unlink()
    assert needs_indexing(hash_settings, [seeds_copy])


def test_second_indexer_is_refused_while_one_runs(hash_settings, seeds_copy) -> None:
    with IndexLock(hash_settings.data_dir), pytest.raises(IndexStateError, match="another|other indexer"):
        _index(hash_settings, [seeds_copy])
    report, _ = _index(hash_settings, [seeds_copy])  # released: works again
    assert report.added > 0


def test_loader_problems_are_reported_and_the_rest_indexed(hash_settings, seeds_copy) -> None:
    (seeds_copy / "broken.txt").write_bytes(b"\x00\x01\x02binary\xff\xfe")
    report, _ = _index(hash_settings, [seeds_copy])
    assert any("broken.txt" in p.path for p in report.problems)
    assert report.added >= 5 and check_invariants(hash_settings) == []


def test_unwritable_data_dir_is_a_clear_error(tmp_path, seeds_copy) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings = hash_settings_for(blocker / "data")
    with pytest.raises((ConfigError, IndexStateError)) as err:
        _index(settings, [seeds_copy])
    assert "data" in str(err.value) and "Fix:" in str(err.value)


def test_failure_mid_run_keeps_the_index_consistent_and_resumes(tmp_path, small_corpus) -> None:
    settings = hash_settings_for(tmp_path / "d", embed_batch_size=4)  # 32-chunk write batches

    class FailingEmbedder(HashEmbedder):
        def embed_with_spans(self, texts, spans):
            if self.calls > 40:
                raise OSError(28, "No space left on device")
            return super().embed_with_spans(texts, spans)

    with pytest.raises(IndexStateError) as err:
        _index(settings, [small_corpus], embedder=FailingEmbedder())
    assert "No space left" in str(err.value) and "re-run" in str(err.value)
    assert check_invariants(settings) == []
    partial = read_status(settings).chunks
    assert partial > 0
    resumed, embedder = _index(settings, [small_corpus])
    assert embedder.calls == resumed.chunks_total - partial, "only the missing part is embedded"
    clean = hash_settings_for(tmp_path / "clean", embed_batch_size=4)
    _index(clean, [small_corpus])
    assert snapshot(settings) == snapshot(clean)


# ------------------------------------------------------------------ read side


def test_missing_index_is_an_index_state_error_with_the_fix(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path / "nothing")
    for call in (lambda: open_reader(settings), lambda: read_status(settings)):
        with pytest.raises(IndexStateError) as err:
            call()
        assert "newsrag index" in str(err.value)
    assert not (tmp_path / "nothing").exists(), "the read side creates nothing"


def _write_md(folder: Path, name: str, title: str, date: str, source: str, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"---\ntitle: {title}\ndate: {date}\nsource: {source}\n---\n\n{body}\n")


def test_dense_search_filters(hash_settings, tmp_path) -> None:
    corpus = tmp_path / "dated"
    _write_md(corpus, "a.md", "Border talks resume", "2023-09-10", "Tehrantimes",
              "Iraq and Iran resumed border talks in Baghdad on Sunday.")
    _write_md(corpus, "b.md", "Deadline for the border", "2023-09-19", "Al Mayadeen",
              "The deadline for disarming the border groups expired in September.")
    _write_md(corpus / "wire", "c.md", "Border crossing reopens", "2023-10-02", "Reuters",
              "The border crossing near Basra reopened to trucks in October.")
    embedder = HashEmbedder()
    _index(hash_settings, [corpus], embedder=embedder)
    reader = open_reader(hash_settings, embedder)
    q = embedder.embed_query("border")

    def titles(where):
        return sorted({p.chunk.title for p in reader.dense_search(q, 10, where)})

    assert len(titles(None)) == 3
    from_date = titles(SearchFilter(date_from=dt.date(2023, 9, 15)))
    assert from_date == ["Border crossing reopens", "Deadline for the border"]
    assert titles(SearchFilter(date_to=dt.date(2023, 9, 19))) == ["Border talks resume", "Deadline for the border"]
    assert titles(SearchFilter(sources=("tehrantimes",))) == ["Border talks resume"]
    assert titles(SearchFilter(sources=("/wire/",))) == ["Border crossing reopens"], "source-path substring"
    assert titles(SearchFilter(title_words=("DEADLINE", "border"))) == ["Deadline for the border"]
    ids = [a.id for a in reader.articles() if a.title.startswith("Border talks")]
    assert titles(SearchFilter(article_ids=tuple(ids))) == ["Border talks resume"]
    assert titles(SearchFilter(sources=("reuters",), date_to=dt.date(2023, 9, 1))) == []
    assert titles(SearchFilter(title_words=("nonexistentword",))) == []
    published = {p.chunk.title: p.chunk.published for p in reader.dense_search(q, 10, None)}
    assert published["Deadline for the border"] == dt.date(2023, 9, 19)


def test_reader_returns_full_articles_and_stable_chunks(hash_settings, seeds_copy) -> None:
    from index.article_files import load_articles

    _index(hash_settings, [seeds_copy])
    reader = open_reader(hash_settings)
    loaded = load_articles([seeds_copy], FileLimits.uniform(10**7)).articles
    stored = {a.id: a for a in reader.articles()}
    for article in loaded:
        assert stored[article.id] == dataclasses.replace(article, source_path=str(Path(article.source_path).resolve()))
    chunks = reader.all_chunks()
    assert chunks == reader.all_chunks() and len(chunks) == reader.count()
    assert [(c.article_id, c.ordinal) for c in chunks] == sorted((c.article_id, c.ordinal) for c in chunks)
    q = np.zeros(HashEmbedder().dimension, dtype=np.float32)
    q[0] = 1.0
    assert len(reader.dense_search(q, 1000, None)) == len(chunks), "k above the count returns everything"
