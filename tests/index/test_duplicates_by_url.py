"""One story URL, one story (index/duplicates.py): a feed item and the page it links to are grouped."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from pathlib import Path

from index.duplicates import group_duplicates
from index.formats.common import ArticleMeta
from index.formats.feeds import feed_articles
from index.formats.text_formats import html_articles
from newsrag.tuning import DuplicateTuning
from newsrag.types import Article

PARAGRAPHS = (
    "The city council voted on Tuesday to close the old harbour bridge to lorries from October, after engineers "
    "found cracks in two of its steel supports during a routine inspection of the structure.",
    "Officials said the closure would last at least six months while the supports are replaced, and that buses "
    "and cars would still be allowed to cross at reduced speed under a temporary limit.",
    "Local businesses warned that the detour through the industrial estate would add twenty minutes to every "
    "delivery, and asked the council to pay for extra signs, traffic wardens and a shuttle service.",
)
OTHER = (
    "A new exhibition of maritime paintings opened at the town museum on Saturday, bringing together works "
    "lent by private collectors from across the region for the first time in forty years.",
    "The curator said the oldest canvas, a view of the fishing fleet at dawn, had been restored over the "
    "winter after water damage, and that school groups would be admitted free on weekdays.",
)

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Metro Daily Courier</title>
<item><title>Harbour bridge closed to lorries</title>
<link>https://courier.example.org/2023/09/bridge-closed/</link>
<pubDate>Tue, 19 Sep 2023 08:00:00 +0000</pubDate>
<description>The council closes the harbour bridge to lorries after engineers found cracks.</description></item>
<item><title>Museum opens maritime exhibition</title>
<link>https://courier.example.org/2023/09/museum</link>
<description>Paintings lent by private collectors go on show for the first time in decades.</description></item>
</channel></rss>"""


def _page(url: str, title: str, paragraphs: tuple[str, ...], name: str) -> Article:
    markup = (f"<html><head><title>{title}</title><meta property='article:published_time' content='2023-09-19'>"
              f"</head><body><article><h1>{title}</h1>{''.join(f'<p>{p}</p>' for p in paragraphs)}"
              "</article></body></html>")
    (article,) = html_articles(Path(name), markup, ArticleMeta(url=url)).articles
    return article


def _feed_items() -> tuple[Article, Article]:
    bridge, museum = feed_articles(Path("courier.rss"), FEED.encode()).articles
    return bridge, museum


def test_a_feed_item_and_the_page_it_links_to_are_one_story() -> None:
    item, _ = _feed_items()
    # The saved page's URL differs from the item's link in host case, trailing slash and fragment only.
    page = _page("https://Courier.example.org/2023/09/bridge-closed#comments", "Harbour bridge closed to lorries",
                 PARAGRAPHS, "bridge.html")
    assert len(item.text.split()) < DuplicateTuning().min_words  # too short to be compared by text at all
    (group,) = group_duplicates([item, page])
    assert group.article_ids == (page.id, item.id)  # same day: the longer copy, the page, represents the story
    assert 0.0 <= group.similarity < DuplicateTuning().threshold  # joined by URL, not by text


def test_different_urls_with_unrelated_text_are_not_grouped() -> None:
    item, museum_item = _feed_items()
    page = _page("https://courier.example.org/2023/09/bridge-closed", "Harbour bridge closed to lorries",
                 PARAGRAPHS, "bridge.html")
    museum = _page("https://courier.example.org/2023/09/museum-opens", "Museum opens maritime exhibition",
                   OTHER, "museum.html")
    groups = group_duplicates([item, museum_item, page, museum])
    assert [set(g.article_ids) for g in groups] == [{item.id, page.id}]


def test_url_and_text_joins_make_one_group_whatever_the_order() -> None:
    item, museum_item = _feed_items()
    page = _page("https://courier.example.org/2023/09/bridge-closed", "Harbour bridge closed to lorries",
                 PARAGRAPHS, "bridge.html")
    wire = replace(page, id="wire-copy", url="https://wire.example.net/story/123", source_path="wire.html",
                   title="UPDATE: Harbour bridge closed", text="\n".join(PARAGRAPHS[:2]),
                   published=dt.date(2023, 9, 18))
    articles = [item, museum_item, page, wire]
    expected = group_duplicates(articles)
    (group,) = expected
    assert group.article_ids == ("wire-copy", *sorted((item.id, page.id)))  # the earliest dated copy first
    for seed in range(3):
        shuffled = list(articles)
        random.Random(seed).shuffle(shuffled)
        assert group_duplicates(shuffled) == expected


def test_a_url_one_file_gives_to_several_articles_names_no_story() -> None:
    # A feed whose items all link to the outlet's news section: the URL is the section's, not a story's.
    first, second = _feed_items()
    section = "https://courier.example.org/news"
    items = [replace(first, url=section), replace(second, url=section)]
    assert group_duplicates(items) == ()
    page = _page(section, "Harbour bridge closed to lorries", PARAGRAPHS, "news.html")
    assert group_duplicates([*items, page]) == ()


def test_a_front_page_url_names_no_story() -> None:
    item, museum_item = _feed_items()
    front = "https://courier.example.org/"
    assert group_duplicates([replace(item, url=front), replace(museum_item, url=front, source_path="other.rss")]) == ()
