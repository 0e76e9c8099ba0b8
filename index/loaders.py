"""Find article files, read them safely and turn them into cleaned `Article`s.

Formats: `.txt` (first line = headline when it looks like one; a file may hold several
stories), `.md` (first `# heading` = title, link syntax reduced to its text, optional
`---` front matter with title/date/url/source), `.html`/`.htm` (trafilatura, see
`index/html_extract.py`), `.jsonl` and `.json` (records with title, text and optional
url, source, published). Folders are walked recursively; hidden files and folders
are skipped, and so are unsupported files inside folders.

One bad file never stops a batch: every problem becomes a `FileProblem` whose message
says what was expected, what was found and how to fix it, and the other files load.
Files are checked for size *before* they are read, so a huge file is never loaded.

Encodings: UTF-8 first; a file that is not UTF-8 is decoded in the legacy encoding
charset-normalizer detects (Windows-1252, Latin-1, ...), and a `FileNote` names it so the
user can check the result. Binary data and UTF-16 are still refused.

Publication dates come from where a file states them, and `Article.published_origin`
says which: HTML metadata, a JSON field, Markdown front matter, or a dated dateline or
byline line at the top of a plain-text story ("Published: 19 September 2023",
"WASHINGTON, Sept. 19, 2023 (AP) --"). A date without a year is not taken: nothing is guessed.

Deliberately left out: chunking, embedding and the index (see `index/pipeline.py`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.cleaning import CleanStory, clean_story_text
from index.html_extract import extract_html
from index.ids import article_id
from newsrag.tuning import CleaningTuning
from newsrag.types import Article, FileNote, FileProblem

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".json")
_SUPPORTED_TEXT = ", ".join(SUPPORTED_SUFFIXES)
_BINARY_SAMPLE = 8192
_MB = 1024 * 1024  # NEWSRAG_MAX_FILE_MB is read as MiB by the indexer; messages use the same unit


@dataclass(frozen=True)
class LoadResult:
    articles: tuple[Article, ...]  # unique by id, sorted by (source_path, part)
    problems: tuple[FileProblem, ...]
    files_seen: tuple[str, ...]  # every supported file considered (resolved), problems included
    notes: tuple[FileNote, ...] = ()  # loaded files with a remark (the legacy encoding they were read in)


class _Rejected(Exception):
    """One file (or record) cannot be used; carries the user-facing message."""


def _problem(path: Path | str, expected: str, got: str, fix: str, where: str | None = None) -> FileProblem:
    """`where` names a line or record inside the file ("feed.jsonl:7"); `path` stays the file."""
    return FileProblem(path=str(path), message=f"{where or path}: expected {expected}, got {got}; {fix}")


def _reject(expected: str, got: str, fix: str) -> _Rejected:
    return _Rejected(f"expected {expected}, got {got}; {fix}")


# --------------------------------------------------------------------------- discovery


def _walk(folder: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if not name.startswith(".") and path.suffix.lower() in SUPPORTED_SUFFIXES and path.is_file():
                yield path


def _discover(paths: Sequence[Path]) -> tuple[list[Path], list[FileProblem]]:
    files: dict[str, Path] = {}
    problems: list[FileProblem] = []
    for given in paths:
        path = Path(given).expanduser()
        if not path.exists():
            problems.append(_problem(path, "an existing file or folder", "nothing at that path", "check the path"))
            continue
        path = path.resolve()
        if path.is_dir():
            found = list(_walk(path))
            if not found:
                problems.append(
                    _problem(
                        path,
                        f"a folder with article files ({_SUPPORTED_TEXT})",
                        "no supported files (hidden files are skipped)",
                        "point at the folder that holds the articles or convert them to one of these formats",
                    )
                )
            for f in found:
                files.setdefault(str(f.resolve()), f.resolve())
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            files.setdefault(str(path), path)
        else:
            problems.append(
                _problem(
                    path,
                    f"one of {_SUPPORTED_TEXT}",
                    f"a '{path.suffix or '(no extension)'}' file",
                    "convert it to .txt, .md, .html or .jsonl",
                )
            )
    return [files[k] for k in sorted(files)], problems


def discover_files(paths: Sequence[Path]) -> list[Path]:
    """The supported files `load_articles(paths)` would read (resolved, sorted); reads nothing.

    The same walk as loading, so the indexer can tell cheaply whether files changed.
    """
    return _discover(paths)[0]


# --------------------------------------------------------------------------- safe reading


def format_sizes(limit: int, size: int) -> tuple[str, str]:
    """A size limit and a size in MB (MiB), with just enough digits to tell them apart.

    Both in the same unit, never "at most 0.1 MB, got 0.1 MB": bytes when MB would not do.
    """
    for digits in (1, 2, 3, 4):
        shown = [f"{n / _MB:.{digits}f}" for n in (limit, size)]
        close = all(abs(float(t) - n / _MB) <= 0.01 * n / _MB for t, n in zip(shown, (limit, size), strict=True))
        if shown[0] != shown[1] and close:
            return f"{shown[0]} MB", f"{shown[1]} MB"
    return f"{limit:,} bytes", f"{size:,} bytes"


@dataclass(frozen=True)
class _Text:
    text: str
    encoding: str  # "utf-8", or the legacy encoding charset-normalizer found


def _read_text(path: Path, max_file_bytes: int) -> _Text:
    size = path.stat().st_size
    if size > max_file_bytes:
        limit_text, size_text = format_sizes(max_file_bytes, size)
        raise _reject(
            f"a file of at most {limit_text}",
            size_text,
            "split it into smaller files or raise NEWSRAG_MAX_FILE_MB",
        )
    with path.open("rb") as fh:
        data = fh.read(max_file_bytes + 1)  # bounded even if the file grew since stat()
    if len(data) > max_file_bytes:
        raise _reject(f"a file of at most {format_sizes(max_file_bytes, len(data))[0]}", "a larger file", "split it")
    if not data.strip():
        raise _reject("article text", "an empty file", "add the article text or remove the file")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise _reject("UTF-8 text", "UTF-16 text", "re-save the file as UTF-8")
    sample = data[:_BINARY_SAMPLE]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in sample or controls > len(sample) * 0.1:
        raise _reject("a UTF-8 text file", "binary data", "export or convert it to .txt, .md, .html or .jsonl")
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    encoding = "utf-8"
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as err:
        offset = bom + err.start
        line = data[:offset].count(b"\n") + 1
        text, encoding = _legacy_decode(
            data,
            f"text that is neither UTF-8 (the invalid byte 0x{data[offset]:02x} at byte offset {offset}, "
            f"line {line}) nor a known legacy encoding",
        )
    if not text.strip():
        raise _reject("article text", "only whitespace", "add the article text or remove the file")
    return _Text(text, encoding)


# The legacy encodings news files really come in, most common first. Unrestricted,
# charset-normalizer reads a short English cp1252 file as Baltic cp775 ("Cafķ"): many code
# pages decode the same bytes without error, and on a tie the most common one is right.
_LEGACY_ENCODINGS = ("cp1252", "latin_1", "iso8859_15", "cp1250", "cp1251", "cp1253", "cp1254", "cp1257",
                     "koi8_r", "mac_roman", "shift_jis", "euc_jp", "gb18030", "big5", "euc_kr")


def _legacy_decode(data: bytes, got: str) -> tuple[str, str]:
    """Text in the least garbled of the common legacy encodings (charset-normalizer's measure), or a rejection."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data, cp_isolation=list(_LEGACY_ENCODINGS)))
    if not matches:
        raise _reject("UTF-8 text", got, "re-save the file as UTF-8")
    rank = {e: n for n, e in enumerate(_LEGACY_ENCODINGS)}

    def order(match: object) -> tuple[float, int]:
        names = [getattr(match, "encoding", "")] + list(getattr(match, "could_be_from_charset", []))
        return round(float(getattr(match, "chaos", 1.0)), 3), min(rank.get(n, len(rank)) for n in names)

    best = min(matches, key=order)
    encoding = min([best.encoding, *best.could_be_from_charset], key=lambda n: rank.get(n, len(rank)))
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):  # an alias that does not read these bytes: keep the best match
        return str(best), best.encoding


_ENCODING_NAMES = {"cp1252": "Windows-1252", "latin_1": "Latin-1 (ISO-8859-1)", "iso8859_15": "Latin-9 (ISO-8859-15)",
                   "cp1250": "Windows-1250", "cp1251": "Windows-1251", "mac_roman": "Mac Roman"}


def encoding_note(path: Path, encoding: str) -> FileNote:
    name = _ENCODING_NAMES.get(encoding, encoding)
    return FileNote(str(path), f"{path}: read as {name}, not UTF-8; check its accents and quotes, "
                               "or re-save it as UTF-8 to silence this note")


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


# --------------------------------------------------------------------------- formats


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
        raise _reject(
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


def _markdown(path: Path, raw: str) -> tuple[list[Article], list[FileProblem]]:
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
    problems: list[FileProblem] = []
    meta = _Meta(url=fields.get("url"), source=fields.get("source"))
    date_text = fields.get("published") or fields.get("date")
    if date_text:
        try:
            meta = _Meta(meta.url, meta.source, parse_published(date_text), "front-matter")
        except ValueError:
            problems.append(_date_problem(path, str(path), date_text))
    stories = _require_stories(clean_story_text("\n".join(lines), title=title, split_stories=False))
    return _articles(path, stories, meta, None), problems


def _html(path: Path, raw: str) -> tuple[list[Article], list[FileProblem]]:
    page = extract_html(raw)
    if page is None:
        raise _reject("an HTML page with article text", "no main text",
                      "save the article page itself, not an index page")
    stories = _require_stories(clean_story_text(page.text, title=page.title, split_stories=False))
    meta = _Meta(url=page.url, source=page.site_name, published=page.published, origin="html-metadata")
    return _articles(path, stories, meta, None), []


def _date_problem(path: Path, where: str | Path, value: object) -> FileProblem:
    return FileProblem(
        path=str(path),
        message=_problem(
            where,
        "published as an ISO date (2023-09-19) or a date like 'September 19, 2023'",
            f"{value!r}; the article was indexed without a date",
            "fix the date to make date filters work",
        ).message,
    )


def _record(where: str, record: object, path: Path, part: int) -> tuple[list[Article], list[FileProblem]]:
    if not isinstance(record, dict):
        raise _reject("a JSON object with 'title' and 'text'", f"a JSON {type(record).__name__}",
                      "wrap it in an object")
    missing = [k for k in ("title", "text") if not isinstance(record.get(k), str) or not record[k].strip()]
    if missing:
        raise _reject(
            "string fields 'title' and 'text'",
            f"a record without {' and '.join(repr(m) for m in missing)} (keys: {', '.join(sorted(record)) or 'none'})",
            "add the missing fields",
        )
    problems: list[FileProblem] = []
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


def _json_records(path: Path, raw: str, lines: bool) -> tuple[list[Article], list[FileProblem]]:
    entries = [(n, line) for n, line in enumerate(raw.splitlines(), 1) if line.strip()] if lines else [(1, raw)]
    records: list[tuple[str, object]] = []
    numbered = lines  # a .json list numbers its records; a single object is part 0
    problems: list[FileProblem] = []
    for line_no, text in entries:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as err:
            at = f"{path}:{line_no}" if lines else f"{path}:{err.lineno}"
            got = f"invalid JSON ({err.msg} at column {err.colno})"
            fix = "fix or remove that line; the other lines were loaded" if lines else "fix the JSON syntax"
            problems.append(_problem(path, "one JSON object per line" if lines else "valid JSON", got, fix, at))
            continue
        if lines:
            records.append((f"{path}:{line_no}", value))
        elif isinstance(value, list):
            numbered = True
            if not value:
                problems.append(_problem(path, "a list of article records", "an empty list", "add records"))
            records.extend((f"{path} record {i}", v) for i, v in enumerate(value, 1))
        else:
            records.append((str(path), value))
    articles: list[Article] = []
    for i, (where, value) in enumerate(records, 1):
        try:
            found, more = _record(where, value, path, i if numbered else 0)
        except _Rejected as err:
            problems.append(FileProblem(path=str(path), message=f"{where}: {err}"))
            continue
        articles.extend(found)
        problems.extend(more)
    return articles, problems


def _plain_text(path: Path, raw: str) -> tuple[list[Article], list[FileProblem]]:
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


@dataclass(frozen=True)
class _Loaded:
    articles: list[Article]
    problems: list[FileProblem]
    notes: list[FileNote]


def _load_file(path: Path, max_file_bytes: int) -> _Loaded:
    read = _read_text(path, max_file_bytes)
    raw = read.text
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown"):
        articles, problems = _markdown(path, raw)
    elif suffix in (".html", ".htm"):
        articles, problems = _html(path, raw)
    elif suffix in (".json", ".jsonl"):
        articles, problems = _json_records(path, raw, lines=suffix == ".jsonl")
    else:
        articles, problems = _plain_text(path, raw)
    notes = [encoding_note(path, read.encoding)] if read.encoding != "utf-8" and articles else []
    return _Loaded(articles, problems, notes)


def load_articles(paths: Sequence[Path], max_file_bytes: int) -> LoadResult:
    """Load every supported file under `paths`; never raises for a bad file."""
    files, problems = _discover(paths)
    articles: list[Article] = []
    notes: list[FileNote] = []
    for path in files:
        try:
            loaded = _load_file(path, max_file_bytes)
        except _Rejected as err:
            problems.append(FileProblem(path=str(path), message=f"{path}: {err}"))
            continue
        except Exception as err:  # noqa: BLE001 - one unreadable file or parser failure must not stop the batch
            problems.append(_problem(path, "a readable article file", f"{type(err).__name__}: {err}", "check the file"))
            continue
        articles.extend(loaded.articles)
        problems.extend(loaded.problems)
        notes.extend(loaded.notes)
    unique: dict[str, Article] = {}
    for article in sorted(articles, key=lambda a: (a.source_path, a.part)):
        unique.setdefault(article.id, article)  # the first path in sorted order wins
    return LoadResult(
        articles=tuple(unique.values()),
        problems=tuple(problems),
        files_seen=tuple(str(f) for f in files),
        notes=tuple(notes),
    )
