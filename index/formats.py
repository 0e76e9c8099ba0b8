"""One parser per article file format: what a file's text means, turned into `Article`s.

`FORMATS` lists them, each with the suffixes it claims; `SUPPORTED_SUFFIXES` (what a
folder walk picks up) and `parse_file` (the dispatch) follow from it. To add a format,
write a parser `(path, text) -> (articles, problems)` and add its `Format` to `FORMATS`.

- plain text `.txt`: the first line is the headline when it looks like one; a file may hold
  several stories; a dated dateline or byline at the top gives the publication date.
- Markdown `.md`/`.markdown`: optional `---` front matter (title, date/published, url,
  source); the first `# heading` is the title; link and emphasis syntax reduced to text.
- HTML `.html`/`.htm`: main text and metadata through trafilatura (`index/html_extract.py`,
  imported with the first HTML file: it costs a cold start).
- JSON Lines `.jsonl` and JSON `.json`: records with `title` and `text`, optionally `url`,
  `source` and `published`; one bad line or record is a problem, the others load.

Every story goes through the same news cleaning (`index/cleaning.py`). Publication dates
come only from where a file states them, and `Article.published_origin` says which (HTML
metadata, a JSON field, front matter, a dateline); a date without a year is not taken.
A file or record that cannot be used raises `Rejected`, whose message says what was
expected, what was found and how to fix it.

Deliberately left out: finding files, size limits, encodings and binary detection
(`index/article_files.py`: a parser receives decoded text, so a binary format such as PDF
or Word will need the reader to hand it bytes instead), and chunking, embedding and the
index (`index/pipeline.py`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.cleaning import CleanStory, clean_story_text
from index.ids import article_id
from newsrag.tuning import CleaningTuning
from newsrag.types import Article, FileMessage

Parsed = tuple[list[Article], list[FileMessage]]  # a file's articles, and its problems that did not stop it


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
    """ISO dates/datetimes and common news date strings -> date; ValueError otherwise."""
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


# --------------------------------------------------------------------------- the parsers


@dataclass(frozen=True)
class _Meta:
    url: str | None = None
    source: str | None = None
    published: dt.date | None = None
    origin: str | None = None  # DATE_ORIGINS: where `published` was found


def _articles(path: Path, stories: Sequence[CleanStory], meta: _Meta, first_part: int | None) -> list[Article]:
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


def _require_stories(stories: tuple[CleanStory, ...]) -> tuple[CleanStory, ...]:
    if not stories:
        raise reject(
            "article text under the title",
            "nothing left after removing the title, menus and footers",
            "add the article body",
        )
    return stories


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_MD_REF_DEF = re.compile(r"^\s*\[[^\]]+\]:\s+\S+.*$")
_MD_STRONG = re.compile(r"(\*\*|__)(.+?)\1")
_MD_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$|^\s*```.*$")


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    if not text.lstrip("\ufeff").startswith("---\n"):
        return {}, text
    body = text.lstrip("\ufeff")[4:]
    end = body.find("\n---")
    if end < 0:
        return {}, text
    fields = {}
    for line in body[:end].splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields, body[end + 4 :].split("\n", 1)[-1]


def _markdown(path: Path, raw: str) -> Parsed:
    fields, raw = _front_matter(raw)
    title = fields.get("title") or None
    lines: list[str] = []
    for line in raw.splitlines():
        if _MD_REF_DEF.match(line) or _MD_RULE.match(line):
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            if title is None and len(heading.group(1)) == 1:
                title = heading.group(2)
                continue
            line = heading.group(2)
        line = re.sub(r"^\s*>\s?", "", line)
        line = _MD_STRONG.sub(r"\2", _MD_REF_LINK.sub(r"\1", _MD_LINK.sub(r"\1", _MD_IMAGE.sub("", line))))
        lines.append(line)
    problems: list[FileMessage] = []
    meta = _Meta(url=fields.get("url"), source=fields.get("source"))
    date_text = fields.get("published") or fields.get("date")
    if date_text:
        try:
            meta = _Meta(meta.url, meta.source, parse_published(date_text), "front-matter")
        except ValueError:
            problems.append(_date_problem(path, str(path), date_text))
    stories = _require_stories(clean_story_text("\n".join(lines), title=title, split_stories=False))
    return _articles(path, stories, meta, None), problems


def _html(path: Path, raw: str) -> Parsed:
    from index.html_extract import extract_html  # trafilatura: imported with the first HTML file

    page = extract_html(raw)
    if page is None:
        raise reject("an HTML page with article text", "no main text",
                     "save the article page itself, not an index page")
    stories = _require_stories(clean_story_text(page.text, title=page.title, split_stories=False))
    meta = _Meta(url=page.url, source=page.site_name, published=page.published, origin="html-metadata")
    return _articles(path, stories, meta, None), []


def _date_problem(path: Path, where: str | Path, value: object) -> FileMessage:
    return FileMessage(
        path=str(path),
        message=file_problem(
            where,
            "published as an ISO date (2023-09-19) or a date like 'September 19, 2023'",
            f"{value!r}; the article was indexed without a date",
            "fix the date to make date filters work",
        ).message,
    )


def _record(where: str, record: object, path: Path, part: int) -> Parsed:
    if not isinstance(record, dict):
        raise reject("a JSON object with 'title' and 'text'", f"a JSON {type(record).__name__}",
                     "wrap it in an object")
    missing = [k for k in ("title", "text") if not isinstance(record.get(k), str) or not record[k].strip()]
    if missing:
        raise reject(
            "string fields 'title' and 'text'",
            f"a record without {' and '.join(repr(m) for m in missing)} (keys: {', '.join(sorted(record)) or 'none'})",
            "add the missing fields",
        )
    problems: list[FileMessage] = []
    published = None
    if record.get("published") not in (None, ""):
        try:
            published = parse_published(record["published"])
        except ValueError:
            problems.append(_date_problem(path, where, record["published"]))
    url = record.get("url") if isinstance(record.get("url"), str) else None
    source = record.get("source") if isinstance(record.get("source"), str) else None
    stories = _require_stories(clean_story_text(record["text"], title=record["title"], split_stories=False))
    return _articles(path, stories, _Meta(url, source, published, "json-field"), part), problems


def _json_records(path: Path, raw: str, lines: bool) -> Parsed:
    entries = [(n, line) for n, line in enumerate(raw.splitlines(), 1) if line.strip()] if lines else [(1, raw)]
    records: list[tuple[str, object]] = []
    numbered = lines  # a .json list numbers its records; a single object is part 0
    problems: list[FileMessage] = []
    for line_no, text in entries:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as err:
            at = f"{path}:{line_no}" if lines else f"{path}:{err.lineno}"
            got = f"invalid JSON ({err.msg} at column {err.colno})"
            fix = "fix or remove that line; the other lines were loaded" if lines else "fix the JSON syntax"
            problems.append(file_problem(path, "one JSON object per line" if lines else "valid JSON", got, fix, at))
            continue
        if lines:
            records.append((f"{path}:{line_no}", value))
        elif isinstance(value, list):
            numbered = True
            if not value:
                problems.append(file_problem(path, "a list of article records", "an empty list", "add records"))
            records.extend((f"{path} record {i}", v) for i, v in enumerate(value, 1))
        else:
            records.append((str(path), value))
    articles: list[Article] = []
    for i, (where, value) in enumerate(records, 1):
        try:
            found, more = _record(where, value, path, i if numbered else 0)
        except Rejected as err:
            problems.append(FileMessage(path=str(path), message=f"{where}: {err}"))
            continue
        articles.extend(found)
        problems.extend(more)
    return articles, problems


def _plain_text(path: Path, raw: str) -> Parsed:
    stories = _require_stories(clean_story_text(raw))
    published = dated_line(raw)
    return _articles(path, stories, _Meta(published=published, origin="dateline"), None), []


def dated_line(raw: str, lines: int = CleaningTuning.source_window_lines) -> dt.date | None:
    """The publication date a plain-text story states at its top, or None.

    A line among the first `lines` that is a full date (day, month and year) with at most a
    few words around it: a byline line ("Published: 19 September 2023", "By Jane Roe |
    Sept. 19, 2023") or a dateline before its dash ("WASHINGTON, Sept. 19, 2023 (AP) --").
    A headline or a sentence that mentions a date has more words around it and is ignored.
    """
    from index.dates import find_date_mentions

    for line in [ln.strip() for ln in raw.splitlines() if ln.strip()][:lines]:
        head = re.split(r"\s(?:--|–|—|-)\s", line, maxsplit=1)[0]
        probe = Article(id="", title="", text=head, source_path="")
        for mention in find_date_mentions(probe):  # undated probe: only dates with a written year
            rest = (head[: mention.start] + head[mention.end :]).split()
            if mention.granularity == "day" and len(rest) <= _DATED_LINE_MAX_WORDS:
                return mention.value
    return None


_DATED_LINE_MAX_WORDS = 6  # "Published:", "By Jane Roe |", "WASHINGTON, (AP)": a label, not a sentence


# --------------------------------------------------------------------------- the formats


@dataclass(frozen=True)
class Format:
    """One file format: its name (for messages), the suffixes it claims and its parser."""

    name: str
    suffixes: tuple[str, ...]  # lower case, with the dot
    parse: Callable[[Path, str], Parsed]


FORMATS = (
    Format("plain text", (".txt",), _plain_text),
    Format("Markdown", (".md", ".markdown"), _markdown),
    Format("HTML", (".html", ".htm"), _html),
    Format("JSON Lines", (".jsonl",), lambda path, raw: _json_records(path, raw, lines=True)),
    Format("JSON", (".json",), lambda path, raw: _json_records(path, raw, lines=False)),
)
SUPPORTED_SUFFIXES = tuple(suffix for f in FORMATS for suffix in f.suffixes)
_BY_SUFFIX = {suffix: f for f in FORMATS for suffix in f.suffixes}


def parse_file(path: Path, text: str) -> Parsed:
    """The articles in a file's decoded text, by the format its suffix names (plain text when
    the suffix is not one of `SUPPORTED_SUFFIXES`); `Rejected` when none can be used."""
    return _BY_SUFFIX.get(path.suffix.lower(), FORMATS[0]).parse(path, text)
