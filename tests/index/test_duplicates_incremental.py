"""Republished-story groups kept incrementally: stored MinHash signatures, only new or changed articles sketched.

After every run (add, edit, delete, no-op, another sketch setting, a crash mid-regroup) the stored
groups must equal `group_duplicates` over the manifest's articles, from scratch.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from contextlib import closing
from pathlib import Path

import pytest

import index.duplicates as duplicates
from bench.duplicates_bench import story_files
from index.duplicates import article_signature, group_duplicates, group_from_signatures, signed
from index.invariants import check_invariants
from index.manifest import Manifest
from index.pipeline import Indexer
from newsrag.errors import IndexStateError
from newsrag.settings import Settings
from newsrag.tuning import DuplicateTuning
from newsrag.types import Article
from tests.fakes import HashEmbedder
from tests.index.conftest import hash_settings_for


def _corpus(folder: Path, n: int, seed: int) -> list[Path]:
    """n distinct stories, a quarter of them republished once, and one short note."""
    paths = story_files(folder, n, seed=seed, copy_every=4)
    (folder / f"short-{seed}.txt").write_text("Brief note\nA short item of a few words only.\n", encoding="utf-8")
    return paths


class _Counter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sketched: list[str] = []
        real = duplicates.article_signature

        def counting(article: Article, tuning: DuplicateTuning = DuplicateTuning()) -> duplicates.ArticleSignature:
            self.sketched.append(article.id)
            return real(article, tuning)

        monkeypatch.setattr(duplicates, "article_signature", counting)

    def take(self) -> list[str]:
        out, self.sketched = self.sketched, []
        return out


def _run(settings: Settings, folder: Path, tuning: DuplicateTuning | None = None) -> None:
    indexer = Indexer.from_settings(settings, embedder=HashEmbedder())
    if tuning is not None:
        indexer.tuning = tuning
    indexer.index([folder])


def _assert_groups_from_scratch(settings: Settings, tuning: DuplicateTuning = DuplicateTuning()) -> int:
    manifest = Manifest(settings.manifest_path, readonly=True)
    try:
        articles = manifest.articles()
        stored = manifest.duplicate_groups()
        assert manifest.get_meta("groups_generation") == manifest.generation()
    finally:
        manifest.close()
    assert stored == list(group_duplicates(articles, tuning))
    assert check_invariants(settings) == []
    return len(articles)


def test_incremental_runs_keep_the_groups_of_a_full_regroup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = hash_settings_for(tmp_path / "data")
    folder = tmp_path / "corpus"
    counter = _Counter(monkeypatch)
    paths = _corpus(folder, 24, seed=3)

    _run(settings, folder)
    total = _assert_groups_from_scratch(settings)
    assert len(counter.take()) == total  # the first run sketches every article, the short one included
    with _open(settings) as manifest:
        assert len(manifest.duplicate_groups()) == 5  # stories 0, 4, 8, 12 and 16 and their copies

    _corpus(folder / "more", 6, seed=4)  # new articles, some copies among them
    _run(settings, folder)
    after_add = _assert_groups_from_scratch(settings)
    assert len(counter.take()) == after_add - total  # only the new ones

    # An edit: the copy of story 0 gets a new headline (a new article id); its old version goes.
    edited = folder / "s3-000000-copy.txt"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Republished", "Reprinted"), encoding="utf-8")
    _run(settings, folder)
    _assert_groups_from_scratch(settings)
    assert len(counter.take()) == 1

    # A deletion: the original of story 4 goes, its copy stays (now in no group).
    paths[paths.index(folder / "s3-000004.txt")].unlink()
    _run(settings, folder)
    _assert_groups_from_scratch(settings)
    assert counter.take() == []

    with _open(settings) as manifest:
        generation = manifest.generation()
    _run(settings, folder)  # a no-op run neither sketches nor regroups
    assert counter.take() == []
    with _open(settings) as manifest:
        assert manifest.generation() == generation

    # Other sketch settings: every signature is made again, and the groups follow the new tuning.
    fewer = dataclasses.replace(DuplicateTuning(), num_perm=64)
    _run(settings, folder, fewer)
    count = _assert_groups_from_scratch(settings, fewer)
    assert len(counter.take()) == count


def test_a_crash_after_sketching_keeps_the_signatures_and_the_next_run_regroups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = hash_settings_for(tmp_path / "data")
    folder = tmp_path / "corpus"
    _corpus(folder, 12, seed=5)
    counter = _Counter(monkeypatch)

    def crash(*_: object, **__: object) -> tuple[()]:
        raise RuntimeError("killed while grouping")

    monkeypatch.setattr(duplicates, "group_from_signatures", crash)
    with pytest.raises(IndexStateError):
        _run(settings, folder)
    sketched = counter.take()
    assert check_invariants(settings) == []  # an interrupted run: signatures kept, groups stale
    with _open(settings) as manifest:
        assert len(manifest.signed_articles()) == len(sketched) == manifest.article_count()
        assert manifest.get_meta("groups_generation") != manifest.generation()

    monkeypatch.setattr(duplicates, "group_from_signatures", group_from_signatures)
    _run(settings, folder)  # nothing changed on disk, but the groups are stale: regrouped, nothing sketched
    assert counter.take() == []
    _assert_groups_from_scratch(settings)


def test_signatures_go_with_their_article(tmp_path: Path) -> None:
    settings = hash_settings_for(tmp_path / "data")
    folder = tmp_path / "corpus"
    paths = _corpus(folder, 8, seed=6)
    _run(settings, folder)
    for path in paths[:3]:
        path.unlink()
    _run(settings, folder)
    with _open(settings) as manifest:
        ids = {a.id for a in manifest.articles()}
        rows = {r[0] for r in manifest.conn.execute("SELECT article_id FROM minhashes")}
    assert rows == ids
    assert check_invariants(settings) == []


def test_an_orphan_signature_is_a_broken_invariant(tmp_path: Path) -> None:
    settings = hash_settings_for(tmp_path / "data")
    folder = tmp_path / "corpus"
    _corpus(folder, 4, seed=8)
    _run(settings, folder)
    manifest = Manifest(settings.manifest_path)
    try:
        manifest.conn.execute("INSERT INTO minhashes VALUES ('gone', 50, 300, zeroblob(512))")
        manifest.conn.execute("DELETE FROM minhashes WHERE article_id = (SELECT MIN(id) FROM articles)")
    finally:
        manifest.close()
    problems = check_invariants(settings)
    assert any("belong to no article" in p for p in problems)
    assert any("have no MinHash signature" in p for p in problems)


def _with_url(article_id: str, text: str, url: str | None, path: str, published: dt.date | None = None) -> Article:
    return Article(id=article_id, title=f"Title {article_id}", text=text, source_path=path, url=url,
                   published=published)


def test_group_from_signatures_is_group_duplicates_in_any_order(tmp_path: Path) -> None:
    files = story_files(tmp_path, 14, seed=9, copy_every=3)  # 10 stories, 4 of them republished
    texts = [path.read_text(encoding="utf-8") for path in files]
    articles = [_with_url(path.stem, text, None, str(path), dt.date(2024, 1, 1 + n % 3) if n % 4 else None)
                for n, (path, text) in enumerate(zip(files, texts, strict=True))]
    # A short feed item and the page it links to, a front page shared by two, one file giving one URL twice.
    articles += [
        _with_url("feed", "Council closes the bridge.", "https://news.example.org/2024/bridge", "/f/feed.xml"),
        _with_url("page", texts[5], "https://news.example.org/2024/bridge/", "/f/page.html"),
        _with_url("front1", texts[6], "https://news.example.org/", "/f/x.html"),
        _with_url("front2", "Other words entirely here.", "https://news.example.org", "/f/y.html"),
        _with_url("twice1", "One item.", "https://news.example.org/section", "/f/z.xml"),
        _with_url("twice2", "Another item.", "https://news.example.org/section", "/f/z.xml"),
    ]
    expected = group_duplicates(articles)
    assert any("feed" in g.article_ids for g in expected) and len(expected) >= 4
    signatures = [signed(a, article_signature(a)) for a in articles]
    random.Random(1).shuffle(signatures)
    assert group_from_signatures(signatures) == expected


def test_group_from_signatures_refuses_a_missing_signature_it_needs() -> None:
    story = " ".join(f"word{n}" for n in range(60))
    a = _with_url("a", story, "https://e.org/story", "/a.html")
    b = _with_url("b", "short", "https://e.org/story", "/b.xml")
    with pytest.raises(ValueError, match="needs a signature"):
        group_from_signatures([signed(a, article_signature(a)), signed(b, None)])


def _open(settings: Settings) -> closing[Manifest]:
    return closing(Manifest(settings.manifest_path, readonly=True))
