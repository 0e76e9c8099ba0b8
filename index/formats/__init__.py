"""Which parser reads a file: the one registry of article file formats.

`FORMATS` lists every format with the suffixes it claims and how its parser takes the file:
- `TextFormat`: decoded text (`.txt .md .html .json .jsonl`, `text_formats.py`); the reader
  in `index/article_files.py` has already refused binary data and found the encoding.
- `BinaryFormat`: the file's bytes, the format being its own encoding (PDF, Word, e-mail,
  RSS/Atom feeds: `pdf.py`, `word.py`, `mail.py`, `feeds.py`).
- `ArchiveFormat`: the path itself, for a container read record by record and never whole
  (WARC web archives, `warc.py`). `NEWSRAG_MAX_FILE_MB` bounds each record's page, and
  `NEWSRAG_MAX_ARCHIVE_MB` the archive: an archive of many pages is rightly larger than one
  article file.

`SUPPORTED_SUFFIXES` (what a folder walk picks up), `format_of` and the parsers' dispatch
follow from `FORMATS`. To add a format: write its parser in a module of its own here and
add one line to `FORMATS`. Parsers of the binary formats are imported with the first file
of their kind, so a folder of text files never pays for pdfminer or python-docx.

Deliberately left out: finding files, size limits and decoding (`index/article_files.py`),
and chunking, embedding and the index (`index/pipeline.py`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from index.formats.common import Parsed, Rejected, file_problem, parse_published, reject
from index.formats.text_formats import html_articles, json_articles, markdown_articles, plain_text_articles
from newsrag.types import FileLimits

__all__ = [
    "FORMATS", "SUPPORTED_SUFFIXES", "ArchiveFormat", "BinaryFormat", "Format", "Parsed",
    "Rejected", "TextFormat", "file_problem", "format_of", "parse_published", "reject",
]  # fmt: skip


@dataclass(frozen=True)
class TextFormat:
    name: str  # for messages and the index summary
    suffixes: tuple[str, ...]  # lower case, with the dot
    parse: Callable[[Path, str], Parsed]


@dataclass(frozen=True)
class BinaryFormat:
    name: str
    suffixes: tuple[str, ...]
    parse: Callable[[Path, bytes], Parsed]


@dataclass(frozen=True)
class ArchiveFormat:
    name: str
    suffixes: tuple[str, ...]
    parse: Callable[[Path, FileLimits], Parsed]


Format = TextFormat | BinaryFormat | ArchiveFormat


def _binary(module: str, function: str) -> Callable[[Path, bytes], Parsed]:
    """A parser imported on first use: its library costs start-up time only when needed."""

    def parse(path: Path, data: bytes) -> Parsed:
        parser: Callable[[Path, bytes], Parsed] = getattr(importlib.import_module(module), function)
        return parser(path, data)

    return parse


def _archive(module: str, function: str) -> Callable[[Path, FileLimits], Parsed]:
    def parse(path: Path, limits: FileLimits) -> Parsed:
        parser: Callable[[Path, FileLimits], Parsed] = getattr(importlib.import_module(module), function)
        return parser(path, limits)

    return parse


FORMATS: tuple[Format, ...] = (
    TextFormat("plain text", (".txt",), plain_text_articles),
    TextFormat("Markdown", (".md", ".markdown"), markdown_articles),
    TextFormat("HTML", (".html", ".htm"), html_articles),
    TextFormat("JSON Lines", (".jsonl",), lambda path, raw: json_articles(path, raw, lines=True)),
    TextFormat("JSON", (".json",), lambda path, raw: json_articles(path, raw, lines=False)),
    BinaryFormat("PDF", (".pdf",), _binary("index.formats.pdf", "pdf_articles")),
    BinaryFormat("Word", (".docx",), _binary("index.formats.word", "docx_articles")),
    BinaryFormat("e-mail", (".eml",), _binary("index.formats.mail", "email_articles")),
    BinaryFormat("feed", (".rss", ".atom", ".xml"), _binary("index.formats.feeds", "feed_articles")),
    ArchiveFormat("WARC", (".warc", ".warc.gz"), _archive("index.formats.warc", "warc_articles")),
)
SUPPORTED_SUFFIXES = tuple(suffix for f in FORMATS for suffix in f.suffixes)
_BY_SUFFIX = {suffix: f for f in FORMATS for suffix in f.suffixes}


def suffix_of(path: Path | str) -> str:
    """The suffix a format is chosen by, lower case: the last one, or `.warc.gz` as a whole."""
    name = Path(path).name.lower()
    for suffix in SUPPORTED_SUFFIXES:
        if suffix.count(".") > 1 and name.endswith(suffix):
            return suffix
    return Path(name).suffix


def format_of(path: Path | str) -> Format | None:
    """The format a file's suffix names, or None when no format claims it."""
    return _BY_SUFFIX.get(suffix_of(path))
