"""Find article files and read them safely: the files side of loading, before any format.

`load_articles(paths, max_file_bytes)` is the loader the indexer and the tests call:
1. Discovery (`discover_files`): the given files, and every file with a supported suffix
   (`index.formats.SUPPORTED_SUFFIXES`) under the given folders, walked recursively,
   hidden files and folders skipped; resolved and sorted, so a run sees the same list
   `needs_indexing` compares with the manifest.
2. Reading (`read_text`): the size is checked *before* a file is read, so a huge file is
   never loaded; empty files, binary data and UTF-16 are refused; UTF-8 first (a BOM is
   dropped), else the legacy encoding charset-normalizer finds least garbled among those
   news files really come in (Windows-1252, Latin-1, ...), and a `FileMessage` names it so the
   user can check the accents.
3. The text goes to the parser of the file's format (`index/formats.py`).

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

from index.formats import SUPPORTED_SUFFIXES, Rejected, file_problem, parse_file, reject
from newsrag.types import Article, FileMessage

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
            if not name.startswith(".") and path.suffix.lower() in SUPPORTED_SUFFIXES and path.is_file():
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
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            files.setdefault(str(path), path)
        else:
            problems.append(
                file_problem(
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
class DecodedText:
    text: str
    encoding: str  # "utf-8", or the legacy encoding charset-normalizer found


def read_text(path: Path, max_file_bytes: int) -> DecodedText:
    """The file's text, decoded; `Rejected` (with the user-facing reason) for a file too large,
    empty, binary, UTF-16, or in no known encoding."""
    size = path.stat().st_size
    if size > max_file_bytes:
        limit_text, size_text = format_sizes(max_file_bytes, size)
        raise reject(
            f"a file of at most {limit_text}",
            size_text,
            "split it into smaller files or raise NEWSRAG_MAX_FILE_MB",
        )
    with path.open("rb") as fh:
        data = fh.read(max_file_bytes + 1)  # bounded even if the file grew since stat()
    if len(data) > max_file_bytes:
        raise reject(f"a file of at most {format_sizes(max_file_bytes, len(data))[0]}", "a larger file", "split it")
    if not data.strip():
        raise reject("article text", "an empty file", "add the article text or remove the file")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise reject("UTF-8 text", "UTF-16 text", "re-save the file as UTF-8")
    sample = data[:_BINARY_SAMPLE]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in sample or controls > len(sample) * 0.1:
        raise reject("a UTF-8 text file", "binary data", "export or convert it to .txt, .md, .html or .jsonl")
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


@dataclass(frozen=True)
class _FileLoad:
    """What one file gave: its articles, its problems and its notes."""

    articles: list[Article]
    problems: list[FileMessage]
    notes: list[FileMessage]


def _load_file(path: Path, max_file_bytes: int) -> _FileLoad:
    read = read_text(path, max_file_bytes)
    articles, problems = parse_file(path, read.text)
    notes = [encoding_note(path, read.encoding)] if read.encoding != "utf-8" and articles else []
    return _FileLoad(articles, problems, notes)


def load_articles(paths: Sequence[Path], max_file_bytes: int) -> LoadResult:
    """Load every supported file under `paths`; never raises for a bad file."""
    files, problems = _discover(paths)
    articles: list[Article] = []
    notes: list[FileMessage] = []
    for path in files:
        try:
            loaded = _load_file(path, max_file_bytes)
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
