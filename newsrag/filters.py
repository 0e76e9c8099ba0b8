"""What a `SearchFilter` lets through: the one definition, used by the store, the retriever and the fakes.

- **source**: an outlet name or a piece of a file path; it matches when it occurs in the
  article's outlet or in any of the paths the article was read from (one story stored
  once for several files keeps them all), after `newsrag.text.normalize` on both sides,
  so case and accents do not matter ("Societe Gazette" finds "Société Gazette");
- **title words**: every word of every entry occurs among the title's words;
- **dates**: the article's publication date lies in the inclusive range; an article
  without a date is left out as soon as either bound is set;
- **article ids**: the article is one of them.

Fields combine with AND. `describe` names a filter in the words a refusal uses.

Deliberately left out: where the articles come from (the index reader's) and how a
store turns the allowed ids into its own query syntax (Chroma's `where`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from newsrag.text import normalize, words
from newsrag.types import SearchFilter


def source_matches(where: SearchFilter, outlet: str | None, paths: Iterable[str]) -> bool:
    wanted = [normalize(s.strip()) for s in where.sources if s.strip()]
    if not wanted:
        return True
    haystacks = [normalize(outlet or ""), *(normalize(p) for p in paths)]
    return any(s in h for s in wanted for h in haystacks)


def title_matches(where: SearchFilter, title: str) -> bool:
    wanted = {w for entry in where.title_words for w in words(entry)}
    return not wanted or wanted <= set(words(title))


def date_matches(where: SearchFilter, published: dt.date | None) -> bool:
    if not (where.date_from or where.date_to):
        return True
    if published is None:
        return False
    return not ((where.date_from and published < where.date_from) or (where.date_to and published > where.date_to))


def article_matches(where: SearchFilter | None, *, article_id: str, outlet: str | None, paths: Iterable[str],
                    title: str, published: dt.date | None) -> bool:
    """Whether an article passes every field of the filter."""
    if where is None or where.empty:
        return True
    if where.article_ids and article_id not in where.article_ids:
        return False
    return (source_matches(where, outlet, paths) and title_matches(where, title)
            and date_matches(where, published))


def describe(where: SearchFilter) -> str:
    """The filter in a refusal's words: "source 'Reuters', published from 2023-09-01"."""
    parts = []
    if where.sources:
        parts.append("source " + " or ".join(repr(s) for s in where.sources))
    if where.title_words:
        parts.append("title words " + ", ".join(repr(w) for w in where.title_words))
    if where.date_from and where.date_to:
        parts.append(f"published {where.date_from.isoformat()} to {where.date_to.isoformat()}")
    elif where.date_from:
        parts.append(f"published from {where.date_from.isoformat()}")
    elif where.date_to:
        parts.append(f"published until {where.date_to.isoformat()}")
    if where.article_ids:
        parts.append(f"{len(where.article_ids)} chosen article(s)")
    return ", ".join(parts) or "no filter"
