"""Main text and metadata of a saved news web page, through trafilatura.

trafilatura (a maintained boilerplate remover) finds the article body and drops
navigation, `<script>`, `<style>` and comment sections; its metadata gives the title,
the publication date and the site name. The text then goes through the same news
cleaning as plain text (`index/cleaning.py`).

`html_text` is the plain reduction, every text node kept, for fragments that are not a page.

Deliberately left out: fetching anything. Only the saved file's markup is parsed;
`bare_extraction` is given a string, so trafilatura never downloads. Tables are left
out too: flattened to text they read as `|`-separated cells, which cite badly.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html.parser import HTMLParser

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
        # Only dates the page states in its markup (meta tags, JSON-LD, <time>, its URL): htmldate's
        # extensive search guesses from the text ("the 2024 budget" became 2024-01-01), and a
        # guessed publication date would be shown and filtered on as if the page had said it.
        date_extraction_params={"extensive_search": False, "original_date": True},
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


# Elements that end a line of text: paragraphs, headings, list items, table rows, breaks.
_BLOCKS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header "
    "hr li main nav ol p pre section table td th tr ul".split()
)
_WHITESPACE = re.compile(r"\s+")
_HIDDEN = frozenset({"script", "style", "noscript", "template"})  # markup whose text is never read


class _TextLines(HTMLParser):
    """The text of HTML, one line per block element, scripts and styles dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:  # source line breaks inside a paragraph are spaces, as a browser shows them
            self.parts.append(_WHITESPACE.sub(" ", data))


def html_text(markup: str) -> str:
    """All the text of an HTML fragment or page, one line per block element: for markup that is
    not a whole article page (a feed item's content, a short e-mail), where `extract_html`'s
    boilerplate removal finds no main text."""
    parser = _TextLines()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)
