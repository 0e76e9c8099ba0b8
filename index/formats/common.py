"""What every format parser shares: the `Parsed` result, rejections, dates and `Article` building.

- `Rejected` / `reject` / `file_problem`: a file (or record) that cannot be used, in the words
  the user reads ("expected X, got Y; fix").
- `parse_published`: the date strings files state (ISO, "September 19, 2023", RFC 2822 e-mail
  and feed dates, ...) -> a date.
- `ArticleMeta` + `build_articles`: cleaned stories plus what the file said about them (URL,
  outlet, date and where the date was found, one of `newsrag.types.DATE_ORIGINS`) -> `Article`s.

Deliberately left out: any one format's layout (`text_formats.py`, `pdf.py`, ...) and which
parser a file goes to (the registry, `index/formats/__init__.py`).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from index.cleaning import CleanStory
from index.ids import article_id
from newsrag.types import Article, FileMessage


@dataclass(frozen=True)
class Parsed:
    """What one file gave: its articles, the problems that did not stop it (a bad record, an
    unreadable date, an attachment that could not be used) and remarks on what was read
    (the legacy encoding it was decoded from, the records of an archive that were skipped)."""

    articles: tuple[Article, ...]
    problems: tuple[FileMessage, ...] = ()
    notes: tuple[FileMessage, ...] = ()


class Rejected(Exception):
    """One file (or record) cannot be used; carries the user-facing message."""


def file_problem(path: Path | str, expected: str, got: str, fix: str, where: str | None = None) -> FileMessage:
    """`where` names a line or record inside the file ("feed.jsonl:7"); `path` stays the file."""
    return FileMessage(path=str(path), message=f"{where or path}: expected {expected}, got {got}; {fix}")


def reject(expected: str, got: str, fix: str) -> Rejected:
    return Rejected(f"expected {expected}, got {got}; {fix}")


# --------------------------------------------------------------------------- dates

_DATE_FORMATS = (
    "%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%d %B %Y",
    "%d %b %Y", "%A, %B %d, %Y", "%a, %d %b %Y", "%B %d %Y", "%m/%d/%Y",
)  # fmt: skip


def parse_published(value: object) -> dt.date:
    """ISO dates/datetimes, RFC 2822 dates (e-mail, RSS) and common news date strings -> date;
    ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a date: {value!r}")
    text = re.sub(r"\s+", " ", value.strip())
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    try:  # "Tue, 19 Sep 2023 10:30:00 +0000": the date as the sender's clock wrote it
        return email.utils.parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)  # "November 25th"
    text = re.sub(r"\bSept\b", "Sep", text)  # AP style; strptime knows only "Sep"
    tokens = text.split(" ")
    # the whole string, then without a trailing time ("Sept 19, 2023 10:30 GMT")
    for candidate in dict.fromkeys((text, " ".join(tokens[:4]), " ".join(tokens[:3]))):
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(candidate, fmt).date()
            except ValueError:
                continue
    raise ValueError(f"not a date: {value!r}")


def date_problem(path: Path, where: str | Path, value: object) -> FileMessage:
    """A stated date that could not be read: the article is kept, undated."""
    return FileMessage(
        path=str(path),
        message=file_problem(
            where,
            "published as an ISO date (2023-09-19) or a date like 'September 19, 2023'",
            f"{value!r}; the article was indexed without a date",
            "fix the date to make date filters work",
        ).message,
    )


# --------------------------------------------------------------------------- articles


@dataclass(frozen=True)
class ArticleMeta:
    """What a file says about its stories beyond their text."""

    url: str | None = None
    source: str | None = None
    published: dt.date | None = None
    origin: str | None = None  # DATE_ORIGINS: where `published` was found


def build_articles(
    path: Path, stories: Sequence[CleanStory], meta: ArticleMeta, first_part: int | None
) -> list[Article]:
    """Stories -> Articles; part 0 for a lone story unless `first_part` numbers records."""
    out = []
    for n, story in enumerate(stories):
        part = first_part if first_part is not None else (n + 1 if len(stories) > 1 else 0)
        out.append(
            Article(
                id=article_id(story.title, story.text, meta.url),
                title=story.title,
                text=story.text,
                source_path=str(path),
                url=meta.url,
                source=meta.source or story.source,
                dateline=story.dateline,
                published=meta.published,
                part=part,
                published_origin=meta.origin if meta.published else None,
            )
        )
    return out


def require_stories(stories: tuple[CleanStory, ...]) -> tuple[CleanStory, ...]:
    if not stories:
        raise reject(
            "article text under the title",
            "nothing left after removing the title, menus and footers",
            "add the article body",
        )
    return stories
