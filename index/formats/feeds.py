"""RSS and Atom feeds (`.rss .atom .xml`): one article per item, through feedparser.

feedparser (BSD-2) reads every RSS version and Atom, tolerates the slightly malformed XML
many real feeds are (an undeclared entity, a stray tag: its `bozo` flag), and gives each
item's title, link, dates, content and summary. Per item:
- title -> `Article.title`; link -> `url`; the outlet -> `source`: the item's own `<source>`
  title when it has one (an aggregator such as a Planet feed names where each item came
  from), else the feed's title; date -> `published` (the item's published date, else its
  updated date; origin "feed-item"), read as the feed wrote it so a late-evening item keeps
  its local day; a date neither `parse_published` nor feedparser can read is a problem and
  the item is kept undated.
- text: the item's full content (`content:encoded`, Atom `<content>`) when it has any, else
  its summary (`<description>`, Atom `<summary>`). A summary-only item is "marked as such"
  without touching its text: it keeps exactly the summary the feed gave (nothing is added to
  what the feed said, so nothing invented is ever quoted), and one note per file counts those
  items and says where their full text is, since a summary is often a teaser of the story.
  When the story's page is indexed too (saved HTML, a WARC), the duplicate grouping joins the
  two by URL (`index/duplicates.py`).
- content and summaries are HTML fragments, not pages: their text comes from the standard
  library's HTML parser, one line per block element (trafilatura looks for a page's main
  text and finds none in a short fragment), then the news cleaning (`clean_story_text`).

Items become parts 1..n in feed order. An item with neither title nor text (or whose text is
all teaser junk) is skipped with a problem naming it. A file that is not a usable feed is
`Rejected`: text that is not XML, XML of another kind (a sitemap, an XHTML page), a feed
without items.

Deliberately left out: fetching anything (a feed's links are not followed: index the pages
themselves), enclosures (podcast audio, images) and comments feeds.
"""

from __future__ import annotations

import datetime as dt
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path

import feedparser

from index.cleaning import clean_story_text
from index.formats.common import (
    ArticleMeta,
    Parsed,
    Rejected,
    build_articles,
    date_problem,
    parse_published,
    reject,
)
from index.html_extract import html_text
from newsrag.types import Article, FileMessage

_FIX_FEED = "save the site's RSS or Atom feed itself (its feed link), or save the pages as HTML"

def fragment_text(value: str, kind: str = "text/html") -> str:
    """The text of a feed field: HTML (and XHTML) reduced to lines; plain text kept as it is."""
    if kind == "text/plain":
        return value
    return html_text(value)


def _detail_text(detail: object) -> str:
    """Text of one of feedparser's `{type, value}` fields (a content entry, summary_detail)."""
    if not isinstance(detail, Mapping):
        return ""
    value = detail.get("value")
    return fragment_text(value, str(detail.get("type") or "text/html")).strip() if isinstance(value, str) else ""


def _body(entry: Mapping[str, object]) -> tuple[str, bool]:
    """(the item's text, whether it is only the summary)."""
    contents = entry.get("content")
    for content in contents if isinstance(contents, list) else []:
        text = _detail_text(content)
        if text:
            return text, False
    summary = _detail_text(entry.get("summary_detail"))
    if not summary and isinstance(entry.get("summary"), str):
        summary = fragment_text(str(entry["summary"])).strip()
    return summary, bool(summary)


def _title(entry: Mapping[str, object]) -> str | None:
    detail = entry.get("title_detail")
    title = _detail_text(detail) if detail else str(entry.get("title") or "")
    title = " ".join(title.split())
    return title or None


def _string(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _published(entry: Mapping[str, object]) -> tuple[object, dt.date | None]:
    """(the date string the item states, or None; that date, or None when unreadable)."""
    for key in ("published", "updated"):
        stated = _string(entry.get(key))
        if stated is None:
            continue
        try:
            return stated, parse_published(stated)
        except ValueError:
            pass
        parsed = entry.get(f"{key}_parsed")  # feedparser knows more date dialects; it gives UTC
        if isinstance(parsed, time.struct_time):
            return stated, dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
        return stated, None
    return None, None


def _outlet(entry: Mapping[str, object], feed_title: str | None) -> str | None:
    source = entry.get("source")
    own = _string(source.get("title")) if isinstance(source, Mapping) else None
    return own or feed_title


def _item_articles(path: Path, entry: Mapping[str, object], where: str, feed_title: str | None,
                   part: int) -> tuple[list[Article], list[FileMessage], bool]:
    """One item's article (none when unusable), its problems, and whether it was summary-only."""
    title = _title(entry)
    text, summary_only = _body(entry)
    if not title and not text:
        raise reject("a feed item with a title or text", "an item with neither", "the other items were indexed")
    stories = clean_story_text(text, title=title, split_stories=False)
    if not stories:
        raise reject("a feed item with text under its title", "only the title" if not text else
                     "nothing left after removing menus and footers", "the other items were indexed")
    problems = []
    stated, published = _published(entry)
    if stated is not None and published is None:
        problems.append(date_problem(path, where, stated))
    meta = ArticleMeta(url=_string(entry.get("link")), source=_outlet(entry, feed_title),
                       published=published, origin="feed-item")
    return build_articles(path, stories[:1], meta, part), problems, summary_only


def _not_a_feed(data: bytes, recognised: bool) -> Rejected:
    """Why a file with no items is no feed: not XML, XML of another kind, or an empty feed."""
    if recognised:
        return reject("an RSS or Atom feed with items", "an empty feed", "save the feed when it lists stories")
    try:
        root = ET.fromstring(data)  # the stdlib parser fetches no external entity
    except ET.ParseError as err:
        return reject("an RSS or Atom feed", f"text that is not XML ({err})", _FIX_FEED)
    name = root.tag.rsplit("}", 1)[-1]
    if name.lower() in {"rss", "feed", "rdf"}:
        return reject("an RSS or Atom feed with items", "an empty feed", "save the feed when it lists stories")
    return reject("an RSS or Atom feed", f"XML whose root element is <{name}>", _FIX_FEED)


def feed_articles(path: Path, data: bytes) -> Parsed:
    """One article per item of an RSS or Atom feed; `Rejected` for a file that is no feed."""
    parsed = feedparser.parse(data)  # bytes: feedparser reads them, never fetches a URL
    entries = [e for e in parsed.get("entries", []) if isinstance(e, Mapping)]
    if not entries:
        # A feedparser that knows the feed's version, with no complaint, has read an empty feed.
        raise _not_a_feed(data, bool(parsed.get("version")) and not parsed.get("bozo"))
    feed = parsed.get("feed")
    feed_title = _title(feed) if isinstance(feed, Mapping) else None
    articles: list[Article] = []
    problems: list[FileMessage] = []
    summary_only = 0
    for n, entry in enumerate(entries, 1):
        title = _title(entry)
        where = f"{path} item {n}" + (f" ('{title}')" if title else "")
        try:
            found, item_problems, only_summary = _item_articles(path, entry, where, feed_title, len(articles) + 1)
        except Rejected as err:
            problems.append(FileMessage(str(path), f"{where}: {err}"))
            continue
        articles.extend(found)
        problems.extend(item_problems)
        summary_only += only_summary
    if not articles:
        items = f"{len(entries)} item{'s' if len(entries) != 1 else ''}"
        raise reject("a feed with at least one item with text", f"{items} without any",
                     "save a feed that carries the stories' text or summaries")
    notes = []
    if parsed.get("bozo"):
        notes.append(FileMessage(str(path), f"{path}: read despite malformed XML ({parsed.get('bozo_exception')}); "
                                            "check that every item was found"))
    if summary_only:
        notes.append(FileMessage(str(path), f"{path}: {summary_only} of {len(articles)} items had only a summary, "
                                            "indexed as it is; index their pages (at the items' links) for the "
                                            "full stories"))
    return Parsed(tuple(articles), tuple(problems), tuple(notes))
