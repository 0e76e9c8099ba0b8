"""Main text and metadata of a saved news web page, through trafilatura.

trafilatura (a maintained boilerplate remover) finds the article body and drops
navigation, `<script>`, `<style>` and comment sections; its metadata gives the title,
the publication date and the site name. The text then goes through the same news
cleaning as plain text (`index/cleaning.py`).

Deliberately left out: fetching anything. Only the saved file's markup is parsed;
`bare_extraction` is given a string, so trafilatura never downloads. Tables are left
out too: flattened to text they read as `|`-separated cells, which cite badly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import trafilatura
from trafilatura.settings import Document


@dataclass(frozen=True)
class HtmlArticle:
    text: str  # main text, one paragraph per line, not yet news-cleaned
    title: str | None = None
    published: dt.date | None = None
    site_name: str | None = None
    url: str | None = None


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def extract_html(markup: str) -> HtmlArticle | None:
    """The page's main text and metadata; None when trafilatura finds no main text."""
    doc = trafilatura.bare_extraction(
        markup,
        with_metadata=True,
        include_comments=False,  # reader comments are not the article
        include_tables=False,
        include_images=False,
        include_links=False,
        include_formatting=False,
    )
    # Without as_dict=True trafilatura returns a Document (its signature also allows a dict).
    if not isinstance(doc, Document) or doc.text is None or not doc.text.strip():
        return None
    return HtmlArticle(
        text=doc.text,
        title=(doc.title or "").strip() or None,
        published=_date(doc.date),
        site_name=(doc.sitename or "").strip() or None,
        url=(doc.url or "").strip() or None,
    )
