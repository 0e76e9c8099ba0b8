"""Grouping republished copies (index/duplicates.py) on real devdata articles."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from index.duplicates import group_duplicates, shingle_similarity
from newsrag.tuning import DuplicateTuning
from newsrag.types import Article

DEVDATA = Path(__file__).resolve().parents[2] / "evals" / "devdata"
# Two Wikinews reports on different primaries of one campaign, written from one template:
# among the most similar pairs of different articles in the devdata.
PRIMARIES = (
    "wikinews-arizona-florida-illinois-hold-2020-us-presidential-primaries-ohio",
    "wikinews-us-state-of-wisconsin-holds-2020-election-amidst-covid-19-concerns",
)
PANDEMIC = (
    "wikinews-sars-cov-2-surpasses-one-million-infections-worldwide",
    "wikinews-sars-cov-2-surpasses-one-million-confirmed-infections-in-the-united",
)


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    out = {}
    for name in ("wikinews", "globalvoices"):
        with gzip.open(DEVDATA / name / "articles.jsonl.gz", "rt", encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                published = dt.date.fromisoformat(r["published"]) if r.get("published") else None
                out[r["id"]] = Article(r["id"], r["title"], r["text"], name, url=r["url"], published=published)
    return out


def republished(original: Article, new_id: str, **changes: object) -> Article:
    """A wire copy: a new headline and the last paragraph dropped."""
    paragraphs = original.text.split("\n\n")
    copy = replace(original, id=new_id, title=f"UPDATE: {original.title} | Metro Daily Courier")
    copy = replace(copy, text="\n\n".join(paragraphs[:-1]), source_path="copy")
    return replace(copy, **changes)  # type: ignore[arg-type]


def test_a_retitled_trimmed_copy_is_grouped_with_its_original(articles: dict[str, Article]) -> None:
    original = articles["globalvoices-001"]
    copy = republished(original, "zz-copy")
    others = [articles[i] for i in sorted(articles)[:40] if i != original.id]
    groups = group_duplicates([*others, original, copy])
    assert len(groups) == 1
    assert groups[0].article_ids == (original.id, "zz-copy")  # the original is longer, same date
    assert DuplicateTuning().threshold <= groups[0].similarity <= 1.0


@pytest.mark.parametrize("pair", [PRIMARIES, PANDEMIC])
def test_different_real_articles_on_one_topic_are_not_grouped(
    articles: dict[str, Article], pair: tuple[str, str]
) -> None:
    a, b = (articles[i] for i in pair)
    assert shingle_similarity(a.title, a.text, b.title, b.text) < DuplicateTuning().threshold
    assert group_duplicates([a, b]) == ()


def test_the_whole_devdata_collection_has_no_false_merge(articles: dict[str, Article]) -> None:
    # The collections hold no republished copy (as measured by evals/fit_duplicates.py).
    assert group_duplicates(list(articles.values())) == ()


def test_representative_is_earliest_dated_then_longest_then_smallest_id(articles: dict[str, Article]) -> None:
    original = articles["globalvoices-004"]
    day = original.published or dt.date(2020, 1, 1)
    undated_full = replace(original, id="a-undated", published=None)
    later_full = replace(original, id="b-later", published=day + dt.timedelta(days=2))
    early_trimmed = republished(original, "c-early-trimmed", published=day)
    early_full = replace(original, id="d-early-full", published=day)
    early_full_twin = replace(original, id="e-early-full-twin", published=day)

    def head(*group: Article) -> str:
        (found,) = group_duplicates(list(group))
        return found.article_ids[0]

    assert head(undated_full, later_full) == "b-later"  # a date beats no date
    assert head(later_full, early_trimmed) == "c-early-trimmed"  # earlier beats longer
    assert head(early_trimmed, early_full) == "d-early-full"  # same day: the longer
    assert head(early_full_twin, early_full) == "d-early-full"  # all equal: the smaller id
    (group,) = group_duplicates([early_full_twin, undated_full, early_trimmed, early_full, later_full])
    assert group.article_ids == ("d-early-full", "a-undated", "b-later", "c-early-trimmed", "e-early-full-twin")


def test_grouping_does_not_depend_on_input_order(articles: dict[str, Article]) -> None:
    chosen = [articles[i] for i in sorted(articles)[::6]]
    corpus = [*chosen, *(republished(a, f"{a.id}-copy") for a in chosen[:8])]
    expected = group_duplicates(corpus)
    assert len(expected) == 8
    for seed in range(3):
        shuffled = list(corpus)
        random.Random(seed).shuffle(shuffled)
        assert group_duplicates(shuffled) == expected


def test_identical_input_gives_identical_output(articles: dict[str, Article]) -> None:
    corpus = [articles["globalvoices-013"], republished(articles["globalvoices-013"], "copy")]
    assert group_duplicates(corpus) == group_duplicates(list(corpus))
    assert shingle_similarity("a", corpus[0].text, "b", corpus[1].text) == shingle_similarity(
        "a", corpus[0].text, "b", corpus[1].text
    )


def test_short_articles_are_never_grouped() -> None:
    text = "Police closed the bridge on Monday after a truck overturned, officials said."
    short = [Article(f"s{i}", "Bridge closed", text, "x") for i in range(3)]
    assert group_duplicates(short) == ()
    assert group_duplicates(short, replace(DuplicateTuning(), min_words=5))  # long enough: grouped


def test_duplicate_ids_are_refused(articles: dict[str, Article]) -> None:
    a = articles["globalvoices-001"]
    with pytest.raises(ValueError):
        group_duplicates([a, a])
