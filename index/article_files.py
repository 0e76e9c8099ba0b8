"""Find article files and read them safely: the files side of loading, before any format.

`load_articles(paths, limits)` is the loader the indexer and the tests call:
1. Discovery (`discover_files`): the given files, and every file with a supported suffix
   (`index.formats.SUPPORTED_SUFFIXES`) under the given folders, walked recursively,
   hidden files and folders skipped; resolved and sorted, so a run sees the same list
   `needs_indexing` compares with the manifest.
2. Reading: the size is checked *before* a file is read (`check_size`: an article file
   against NEWSRAG_MAX_FILE_MB, a web archive against NEWSRAG_MAX_ARCHIVE_MB), so a huge
   file is never loaded. A text format's file is decoded (`read_text`): empty files, binary
   data and UTF-16 are refused; UTF-8 first (a BOM is dropped), else the legacy encoding
   charset-normalizer finds least garbled among those news files really come in
   (Windows-1252, Latin-1, ...), and a `FileMessage` names it so the user can check the
   accents. A binary format's parser gets the bytes; an archive's gets the path and streams it.
3. The content goes to the parser of the file's format (`index/formats/`). `parse_content`
   does the same for content found inside another file (an e-mail's attachments).

One bad file never stops a batch: every problem becomes a `FileMessage` whose message
says what was expected, what was found and how to fix it, and the other files load.
One story found in several files is kept once, under the first path in sorted order.

Deliberately left out: what any format means (titles, front matter, records, dates:
`index/formats.py`), and chunking, embedding and the index (`index/pipeline.py`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.formats import (
    FORMATS,
    SUPPORTED_SUFFIXES,
    ArchiveFormat,
    BinaryFormat,
    Parsed,
    Rejected,
    TextFormat,
    file_problem,
    format_of,
    reject,
)
from newsrag.types import Article, FileLimits, FileMessage, FormatCount

_SUPPORTED_TEXT = ", ".join(SUPPORTED_SUFFIXES)
_BINARY_SAMPLE = 8192
_MB = 1024 * 1024  # NEWSRAG_MAX_FILE_MB is read as MiB by the indexer; messages use the same unit



@dataclass(frozen=True)
class LoadResult:
    articles: tuple[Article, ...]  # unique by id, sorted by (source_path, part)
    problems: tuple[FileMessage, ...]
    files_seen: tuple[str, ...]  # every supported file considered (resolved), problems included
    notes: tuple[FileMessage, ...] = ()  # loaded files with a remark (the legacy encoding they were read in)


# --------------------------------------------------------------------------- discovery


def _walk(folder: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if not name.startswith(".") and format_of(path) is not None and path.is_file():
                yield path


def _discover(paths: Sequence[Path]) -> tuple[list[Path], list[FileMessage]]:
    files: dict[str, Path] = {}
    problems: list[FileMessage] = []
    for given in paths:
        path = Path(given).expanduser()
        if not path.exists():
            problems.append(file_problem(path, "an existing file or folder", "nothing at that path", "check the path"))
            continue
        path = path.resolve()
        if path.is_dir():
            found = list(_walk(path))
            if not found:
                problems.append(
                    file_problem(
                        path,
                        f"a folder with article files ({_SUPPORTED_TEXT})",
                        "no supported files (hidden files are skipped)",
                        "point at the folder that holds the articles or convert them to one of these formats",
                    )
                )
            for f in found:
                files.setdefault(str(f.resolve()), f.resolve())
        elif format_of(path) is not None:
            files.setdefault(str(path), path)
        else:
            problems.append(
                file_problem(
                    path,
                    f"one of {_SUPPORTED_TEXT}",
                    f"a '{path.suffix or '(no extension)'}' file",
                    "convert it to one of these formats",
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
class DecodedText:
    text: str
    encoding: str  # "utf-8", or the legacy encoding charset-normalizer found


def check_size(path: Path | str, size: int, limits: FileLimits) -> int:
    """The byte limit that applies to this file (an archive's or an article file's); `Rejected`
    when `size` is over it. The one size rule, for the loader and for browser uploads."""
    if isinstance(format_of(path), ArchiveFormat):
        limit, setting, fix = limits.max_archive_bytes, "NEWSRAG_MAX_ARCHIVE_MB", "split the archive"
    else:
        limit, setting, fix = limits.max_file_bytes, "NEWSRAG_MAX_FILE_MB", "split it into smaller files"
    if size > limit:
        limit_text, size_text = format_sizes(limit, size)
        raise reject(f"a file of at most {limit_text}", size_text, f"{fix} or raise {setting}")
    return limit


def read_bytes(path: Path, limits: FileLimits) -> bytes:
    """The file's bytes, its size checked before it is read; `Rejected` when too large or empty."""
    limit = check_size(path, path.stat().st_size, limits)
    with path.open("rb") as fh:
        data = fh.read(limit + 1)  # bounded even if the file grew since stat()
    if len(data) > limit:
        raise reject(f"a file of at most {format_sizes(limit, len(data))[0]}", "a larger file", "split it")
    if not data.strip():
        raise reject("article text", "an empty file", "add the article text or remove the file")
    return data


def read_text(path: Path, limits: FileLimits) -> DecodedText:
    """The file's text, decoded; `Rejected` (with the user-facing reason) for a file too large,
    empty, binary, UTF-16, or in no known encoding."""
    return decode_text(read_bytes(path, limits))


def decode_text(data: bytes) -> DecodedText:
    """Bytes of a text format -> text; `Rejected` for binary data, UTF-16 or no known encoding."""
    if not data.strip():
        raise reject("article text", "an empty file", "add the article text or remove the file")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise reject("UTF-8 text", "UTF-16 text", "re-save the file as UTF-8")
    sample = data[:_BINARY_SAMPLE]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in sample or controls > len(sample) * 0.1:
        raise reject("a UTF-8 text file", "binary data", f"export or convert it to one of {_SUPPORTED_TEXT}")
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
        raise reject("article text", "only whitespace", "add the article text or remove the file")
    return DecodedText(text, encoding)


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
        raise reject("UTF-8 text", got, "re-save the file as UTF-8")
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


def encoding_note(path: Path, encoding: str) -> FileMessage:
    name = _ENCODING_NAMES.get(encoding, encoding)
    return FileMessage(str(path), f"{path}: read as {name}, not UTF-8; check its accents and quotes, "
                               "or re-save it as UTF-8 to silence this note")


# --------------------------------------------------------------------------- loading


def _load_file(path: Path, limits: FileLimits) -> Parsed:
    match format_of(path) or FORMATS[0]:  # a file named directly with another suffix is read as text
        case TextFormat(parse=parse):
            read = read_text(path, limits)
            parsed = parse(path, read.text)
            if read.encoding == "utf-8" or not parsed.articles:
                return parsed
            return Parsed(parsed.articles, parsed.problems, (encoding_note(path, read.encoding), *parsed.notes))
        case BinaryFormat(parse=parse):
            return parse(path, read_bytes(path, limits))
        case ArchiveFormat(parse=parse):
            check_size(path, path.stat().st_size, limits)
            return parse(path, limits)
    raise AssertionError("unreachable: every format is one of the three kinds")


def parse_content(path: Path, name: str, data: bytes) -> Parsed:
    """Articles from content found inside another file (an e-mail's attachment), by the format
    `name`'s suffix names; `Rejected` for a format that cannot be nested or cannot be used.
    The articles keep `path`, the file that holds them."""
    fmt = format_of(name)
    match fmt:
        case TextFormat(parse=parse):
            return parse(path, decode_text(data).text)
        case BinaryFormat(parse=parse):
            return parse(path, data)
        case ArchiveFormat() | None:
            raise reject(f"an attachment in one of {_SUPPORTED_TEXT}", f"'{name}'",
                         "save the attachment and index it as a file of its own")
    raise AssertionError("unreachable: every format is one of the three kinds")


def load_articles(paths: Sequence[Path], limits: FileLimits) -> LoadResult:
    """Load every supported file under `paths`; never raises for a bad file."""
    files, problems = _discover(paths)
    articles: list[Article] = []
    notes: list[FileMessage] = []
    for path in files:
        try:
            loaded = _load_file(path, limits)
        except Rejected as err:
            problems.append(FileMessage(path=str(path), message=f"{path}: {err}"))
            continue
        except Exception as err:  # noqa: BLE001 - one unreadable file or parser failure must not stop the batch
            problems.append(file_problem(path, "a readable article file", f"{type(err).__name__}: {err}",
                                         "check the file"))
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


def count_formats(per_file: Sequence[tuple[Path, int]]) -> tuple[FormatCount, ...]:
    """Files, files that gave articles, and articles per format (in `FORMATS` order, formats
    with files only), from (file, articles it gave) pairs."""
    out = []
    for fmt in FORMATS:
        mine = [n for path, n in per_file if format_of(path) is fmt]
        if mine:
            out.append(FormatCount(fmt.name, files=len(mine), files_read=sum(1 for n in mine if n), articles=sum(mine)))
    return tuple(out)


def formats_line(counts: Sequence[FormatCount]) -> str:
    """The index summary's per-format line: "files: 3 PDF (5 articles), 1 WARC (12 articles),
    2 plain text (1 without articles)"; empty when no file was read."""
    parts = []
    for c in counts:
        unread = f", {c.files - c.files_read} without articles" if c.files_read < c.files else ""
        parts.append(f"{c.files} {c.format} ({c.articles} article{'s' if c.articles != 1 else ''}{unread})")
    return f"files: {', '.join(parts)}" if parts else ""
