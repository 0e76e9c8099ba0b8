"""The text formats: what a decoded file's text means, turned into `Article`s.

- plain text `.txt`: the first line is the headline when it looks like one; a file may hold
  several stories; a dated dateline or byline at the top gives the publication date.
- Markdown `.md`/`.markdown`: optional `---` front matter (title, date/published, url,
  source); the first `# heading` is the title; link and emphasis syntax reduced to text.
- HTML `.html`/`.htm`: main text and metadata through trafilatura (`index/html_extract.py`,
  imported with the first HTML file: it costs a cold start). `html_articles` is also what
  e-mail bodies and web-archive pages go through, with what their container knows (the
  capture's URL and date) filling what the page does not state.
- JSON Lines `.jsonl` and JSON `.json`: records with `title` and `text`, optionally `url`,
  `source` and `published`; one bad line or record is a problem, the others load.

Every story goes through the same news cleaning (`index/cleaning.py`). Publication dates
come only from where a file states them, and `Article.published_origin` says which (HTML
metadata, a JSON field, front matter, a dateline); a date without a year is not taken.

Deliberately left out: finding and decoding files (`index/article_files.py`), the binary
formats (PDF, Word, e-mail, feeds, web archives: their own modules here) and which parser
a file goes to (`index/formats/__init__.py`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from index.cleaning import clean_story_text
from index.formats.common import (
    ArticleMeta,
    Parsed,
    Rejected,
    build_articles,
    date_problem,
    file_problem,
    parse_published,
    reject,
    require_stories,
)
from newsrag.tuning import CleaningTuning
from newsrag.types import Article, FileMessage

# --------------------------------------------------------------------------- the parsers


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


def markdown_articles(path: Path, raw: str) -> Parsed:
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
    meta = ArticleMeta(url=fields.get("url"), source=fields.get("source"))
    date_text = fields.get("published") or fields.get("date")
    if date_text:
        try:
            meta = ArticleMeta(meta.url, meta.source, parse_published(date_text), "front-matter")
        except ValueError:
            problems.append(date_problem(path, str(path), date_text))
    stories = require_stories(clean_story_text("\n".join(lines), title=title, split_stories=False))
    return Parsed(tuple(build_articles(path, stories, meta, None)), tuple(problems))


def html_articles(path: Path, raw: str, fallback: ArticleMeta | None = None) -> Parsed:
    """An HTML page's main story; what the page's metadata lacks (URL, outlet, date) is taken
    from `fallback`, what a container knows about it (an e-mail, a web-archive capture)."""
    from index.html_extract import extract_html  # trafilatura: imported with the first HTML file

    fallback = fallback or ArticleMeta()
    page = extract_html(raw)
    if page is None:
        raise reject("an HTML page with article text", "no main text",
                     "save the article page itself, not an index page")
    stories = require_stories(clean_story_text(page.text, title=page.title, split_stories=False))
    dated = page.published is not None
    meta = ArticleMeta(url=fallback.url or page.url, source=page.site_name or fallback.source,
                       published=page.published if dated else fallback.published,
                       origin="html-metadata" if dated else fallback.origin)
    return Parsed(tuple(build_articles(path, stories, meta, None)))


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
            problems.append(date_problem(path, where, record["published"]))
    url = record.get("url") if isinstance(record.get("url"), str) else None
    source = record.get("source") if isinstance(record.get("source"), str) else None
    stories = require_stories(clean_story_text(record["text"], title=record["title"], split_stories=False))
    return Parsed(tuple(build_articles(path, stories, ArticleMeta(url, source, published, "json-field"), part)),
                  tuple(problems))


def json_articles(path: Path, raw: str, lines: bool) -> Parsed:
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
            found = _record(where, value, path, i if numbered else 0)
        except Rejected as err:
            problems.append(FileMessage(path=str(path), message=f"{where}: {err}"))
            continue
        articles.extend(found.articles)
        problems.extend(found.problems)
    return Parsed(tuple(articles), tuple(problems))


def plain_text_articles(path: Path, raw: str) -> Parsed:
    stories = require_stories(clean_story_text(raw))
    published = dated_line(raw)
    return Parsed(tuple(build_articles(path, stories, ArticleMeta(published=published, origin="dateline"), None)))


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
