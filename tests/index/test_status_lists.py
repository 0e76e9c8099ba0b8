"""An archive's status: exact counts, and lists cut to a readable head (the page's panel, `newsrag status`)."""

from __future__ import annotations

import index.index_reader as index_reader
from index.index_reader import read_status
from index.pipeline import Indexer
from ui.panels import status_html


def test_status_lists_a_head_of_titles_and_groups_with_exact_counts(tmp_path, seeds_copy, make_hash_settings,
                                                                     embedder_cls, monkeypatch):
    settings = make_hash_settings(tmp_path / "data")
    original = sorted(seeds_copy.glob("*.txt"))[-1].read_text(encoding="utf-8")
    title, _, body = original.partition("\n")
    (seeds_copy / "wire_copy.txt").write_text(f"Republished: {title}\n{body}", encoding="utf-8")
    Indexer(settings, embedder_cls()).index([seeds_copy])
    whole = read_status(settings)
    assert len(whole.article_titles) == whole.articles == 7 and whole.duplicate_groups
    assert whole.duplicate_group_count == len(whole.duplicate_groups)
    members = {aid for g in whole.duplicate_groups for aid in g.article_ids}
    assert {aid for aid, _ in whole.group_titles} == members

    monkeypatch.setattr(index_reader, "STATUS_ARTICLES", 2)
    monkeypatch.setattr(index_reader, "STATUS_GROUPS", 0)
    cut = read_status(settings)
    assert cut.articles == 7 and cut.article_titles == whole.article_titles[:2]  # the first by title
    assert cut.duplicate_groups == () and cut.duplicate_group_count == len(whole.duplicate_groups)
    html = status_html(cut)
    assert "Articles (the first 2 of 7)" in html and html.count('<span class="nr-title">') == 2
