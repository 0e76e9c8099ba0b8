"""WARC web archives (`.warc .warc.gz`): one article per archived HTML page, streamed with warcio.

warcio (Apache-2.0) reads the archive record by record (`ArchiveIterator`), plain or gzipped
per record, and undoes the HTTP transfer and content encodings of each payload; the archive
is never read whole. A record becomes an article when it is a `response` with HTTP status
200 and an HTML content type (`text/html`, `application/xhtml+xml`); its page goes through
the HTML path every web page takes (`html_articles`), with the capture's URL
(`WARC-Target-URI`) and date (`WARC-Date`, origin "warc-capture") filling what the page's
own metadata does not state (a page that states its date keeps "html-metadata"). Pages are
parts 1..n in archive order.

Skipped, and counted in one note per archive: records that are no page (warcinfo, request,
metadata, resource, ...), responses that are not HTML or not status 200, repeated captures
of a URL already read (the first capture is kept; `revisit` records, which say "same as an
earlier capture", count here), pages over NEWSRAG_MAX_FILE_MB (the per-page limit, applied
here; the archive as a whole was checked against NEWSRAG_MAX_ARCHIVE_MB by `check_size` in
`index/article_files.py` before this parser is called) and pages with no article text.

Decoding a page: a byte-order mark, else the charset of its HTTP Content-Type, else the
`<meta charset>` of its first kilobytes (where a browser looks), else UTF-8 with bad bytes
replaced. No encoding is guessed from the bytes: a page states its encoding (a crawler saves
what the server sent, headers included) and the web is overwhelmingly UTF-8, so replacing the
odd undecodable byte of an undeclared legacy page costs a character, where a guess on a short
page can garble all of it. A declared ISO-8859-1 or ASCII page is read as Windows-1252, as
browsers do (WHATWG Encoding Standard): servers say "latin-1" for cp1252 text.

A damaged archive (cut short by an interrupted download, or unreadable past some record)
keeps the pages read before the damage, with a problem saying where it stopped; a file that
is no WARC at all is `Rejected`.

Deliberately left out: ARC files, `resource` and `conversion` records (pages stored without
their HTTP response), and replay of the crawl (links, frames and scripts are not followed).
"""

from __future__ import annotations

import codecs
import dataclasses
import re
from collections import Counter
from email.message import Message
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from index.formats.common import ArticleMeta, Parsed, Rejected, file_problem, parse_published, reject
from index.formats.text_formats import html_articles
from index.ids import normalise_url
from newsrag.types import Article, FileLimits, FileMessage

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_CHUNK = 1 << 16
_META_WINDOW = 4096  # the HTML spec's prescan looks at the first 1024 bytes; pages often put more before it
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# WHATWG Encoding Standard labels a browser reads as Windows-1252.
_AS_CP1252 = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii", "cp819"})

# Why a record was not read as a page, in the order the note lists them.
_SKIPS = {  # singular, plural
    "no_page": ("non-response", "non-response"),  # warcinfo, request, metadata, resource, ... records
    "not_html": ("not HTML", "not HTML"),
    "not_200": ("not status 200", "not status 200"),
    "repeat": ("repeated capture", "repeated captures"),
    "too_large": ("over the page size limit", "over the page size limit"),
    "no_text": ("with no article text", "with no article text"),
    "unreadable": ("unreadable", "unreadable"),
}


def _charset(content_type: str | None) -> str | None:
    message = Message()
    message["content-type"] = content_type or ""
    charset = message.get_param("charset")
    return charset.strip() if isinstance(charset, str) and charset.strip() else None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:  # an unknown label: fall through to the next place a page states it
        return None


def decode_page(payload: bytes, content_type: str | None) -> str:
    """A page's text from its bytes: BOM, HTTP charset, meta charset, else UTF-8 (bad bytes replaced)."""
    for bom, bom_codec in _BOMS:
        if payload.startswith(bom):
            return payload.decode(bom_codec, errors="replace")
    meta = _META_CHARSET.search(payload[:_META_WINDOW])
    for label in (_charset(content_type), meta.group(1).decode("ascii") if meta else None):
        codec = _codec(label)
        if codec:
            return payload.decode(codec, errors="replace")
    return payload.decode("utf-8", errors="replace")


def _cut_short(record: ArcWarcRecord) -> bool:
    """Did the archive end inside this record? Reads what is left of it (warcio would too)."""
    raw = record.raw_stream
    declared = str(record.rec_headers.get_header("Content-Length") or "").strip()  # mandatory in every record
    if not record.rec_type or not declared.isdigit() or not isinstance(getattr(raw, "limit", None), int):
        return True  # headers cut short: warcio yields a record with no type, or no (whole) declared length
    while raw.read(_CHUNK):
        pass
    return bool(raw.limit > 0)  # warcio's LimitReader: bytes of the declared length never found


def _read_bounded(record: ArcWarcRecord, limit: int) -> bytes | None:
    """The record's HTTP payload (transfer and content encodings undone), or None when over `limit`."""
    stream = record.content_stream()
    payload = bytearray()
    while len(payload) <= limit:
        chunk = stream.read(min(_CHUNK, limit + 1 - len(payload)))
        if not chunk:
            return bytes(payload)
        payload += chunk
    return None


class _CutShort(Exception):
    """The archive ended inside a record."""


@dataclasses.dataclass
class _Reading:
    """What one pass over an archive has found so far (the mutable state of that pass)."""

    path: Path
    limits: FileLimits
    articles: list[Article] = dataclasses.field(default_factory=list)
    problems: list[FileMessage] = dataclasses.field(default_factory=list)
    skipped: Counter[str] = dataclasses.field(default_factory=Counter)
    seen_urls: set[str] = dataclasses.field(default_factory=set)
    pages: int = 0

    def record(self, record: ArcWarcRecord, number: int) -> str | None:
        """Read one record: None when it gave a page, else why it was skipped (a `_SKIPS` key).
        `_CutShort` when the archive ends inside it."""
        rec_type = str(record.rec_type)
        if rec_type == "revisit":
            return "repeat"
        http = record.http_headers  # None for a record that holds no HTTP message
        if rec_type != "response" or http is None:
            return "no_page"
        content_type: str | None = http.get_header("Content-Type")
        if (content_type or "").split(";")[0].strip().lower() not in _HTML_TYPES:
            return "not_html"
        if http.get_statuscode() != "200":
            return "not_200"
        url = str(record.rec_headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
        key = normalise_url(url) or f"record {number}"
        if key in self.seen_urls:
            return "repeat"
        self.seen_urls.add(key)
        return self.page(record, f"{self.path} record {number}" + (f" ({url})" if url else ""), url, content_type)

    def page(self, record: ArcWarcRecord, where: str, url: str, content_type: str | None) -> str | None:
        try:
            payload = _read_bounded(record, self.limits.max_file_bytes)
        except Exception as err:  # noqa: BLE001 - a bad chunked or gzip payload spoils one page, not the archive
            if _cut_short(record):
                raise _CutShort() from err
            self.problems.append(file_problem(self.path, "a readable HTTP response", f"{type(err).__name__}: {err}",
                                              "the other pages were indexed", where))
            return "unreadable"
        if payload is None:
            return "too_large"
        if _cut_short(record):  # a page cut short is not the page: never index half a story
            raise _CutShort()
        captured = record.rec_headers.get_header("WARC-Date")
        try:
            published = parse_published(captured) if captured else None
        except ValueError:
            published = None  # a capture date is the archive's, never the story's claim: nothing to report
        fallback = ArticleMeta(url=url or None, published=published, origin="warc-capture")
        try:
            parsed = html_articles(self.path, decode_page(payload, content_type), fallback=fallback)
        except Rejected:
            return "no_text"
        except Exception as err:  # noqa: BLE001 - one page trafilatura cannot read must not lose the archive
            self.problems.append(file_problem(self.path, "an HTML page", f"{type(err).__name__}: {err}",
                                              "the other pages were indexed", where))
            return "unreadable"
        self.pages += 1
        for article in parsed.articles:
            self.articles.append(dataclasses.replace(article, part=len(self.articles) + 1))
        self.problems.extend(parsed.problems)
        return None

    def summary(self) -> str:
        """ "12 pages read; skipped 30 records (25 not HTML, 4 not status 200, 1 repeated capture)" """
        total = sum(self.skipped.values())
        counts = ", ".join(f"{n} {one if n == 1 else many}" for k, (one, many) in _SKIPS.items()
                           if (n := self.skipped[k]))
        skipped = f"; skipped {total} record{'s' if total != 1 else ''} ({counts})" if total else ""
        return f"{self.pages} page{'s' if self.pages != 1 else ''} read{skipped}"


def _unread_tail(fh: BinaryIO, archive: ArchiveIterator) -> bool:
    """Are there bytes after the last whole record? warcio ends quietly on a record whose
    headers were cut short (it takes them for the end of the file)."""
    end = getattr(archive, "offset", None)  # where warcio finished: the end of the last record it read
    if not isinstance(end, int):
        return False
    fh.seek(end)
    return bool(fh.read(_CHUNK).strip())


def _damage(path: Path, complete: int, err: Exception | None, pages: int) -> FileMessage:
    got = (f"one cut off after {complete} record{'s' if complete != 1 else ''}" if err is None else
           f"one that cannot be read past record {complete} ({type(err).__name__}: {err})")
    kept = (f"the {pages} page{'s' if pages != 1 else ''} before it {'were' if pages != 1 else 'was'} indexed"
            if pages else "no page before it held article text")
    return file_problem(path, "a complete WARC file", got, f"{kept}; re-download the archive")


def warc_articles(path: Path, limits: FileLimits) -> Parsed:
    """The HTML pages of a WARC archive as articles, streamed; `Rejected` when it is no WARC."""
    reading = _Reading(path, limits)
    complete = 0
    damage: FileMessage | None = None
    with path.open("rb") as fh:
        archive = ArchiveIterator(fh)
        records = iter(archive)
        while True:
            try:
                record = next(records)
            except StopIteration:
                if _unread_tail(fh, archive):
                    damage = _damage(path, complete, None, len(reading.articles))
                break
            # warcio fails on damage in many types: ArchiveLoadFailed, EOFError, zlib.error, an
            # AttributeError on a header cut short. Only the reader's step is guarded, not our own code.
            except Exception as err:  # noqa: BLE001
                if complete == 0:
                    raise reject("a WARC web archive", f"a file warcio cannot read ({type(err).__name__}: {err})",
                                 "check that it is a .warc or .warc.gz file, not another format renamed") from err
                damage = _damage(path, complete, err, len(reading.articles))
                break
            try:
                skipped = reading.record(record, complete + 1)
                if _cut_short(record):
                    raise _CutShort()
            except _CutShort:
                damage = _damage(path, complete, None, len(reading.articles))
                break
            complete += 1
            if skipped:
                reading.skipped[skipped] += 1
    if complete == 0:
        got = "one cut off in its first record" if damage else "an empty archive"
        raise reject("a WARC web archive", got, "re-download the archive")
    if not reading.articles and damage is None:
        raise reject("a WARC web archive with HTML pages holding article text",
                     reading.summary(),
                     "archive the article pages themselves (a crawl of images or scripts holds no story)")
    problems = [*reading.problems, *([damage] if damage else [])]
    return Parsed(tuple(reading.articles), tuple(problems), (FileMessage(str(path), f"{path}: {reading.summary()}"),))
