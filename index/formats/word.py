"""Word `.docx` files: the document's text and core properties, through python-docx (MIT).

- Text: the body's paragraphs and tables in document order; a table becomes one line per
  row, its cells joined by "; " (see `_CELL_SEPARATOR`), a merged cell read once.
- Title: the core properties' title, else the first paragraph styled "Title" or "Heading 1",
  else what the news cleaning makes of the first line.
- Date: the core properties' `created`, else `modified` (origin "docx-properties").
- Outlet (`Article.source`): left unset. `author` names a person, not an outlet; `category`
  is free text and the company (in `docProps/app.xml`, which python-docx does not read) is
  usually whoever licensed Word, so neither says reliably who published the story.

The zip is checked before python-docx opens it (`_check_zip`): a small file that inflates
to gigabytes (a zip bomb) is refused. A file that is not a usable `.docx` (not a zip, no
`word/document.xml`, broken XML, an old binary `.doc` or an encrypted file renamed
`.docx`) is `Rejected` with the fix.

Deliberately left out: headers, footers, footnotes, comments and text boxes (page furniture
and asides, not the story), images, and old binary `.doc` files (not registered).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.table import Table
from docx.text.paragraph import Paragraph

from index.cleaning import clean_story_text
from index.formats.common import ArticleMeta, Parsed, build_articles, reject, require_stories

_EXPECTED = "a Word .docx file"
_FIX = "re-save it from Word or LibreOffice"

# Zip bomb bounds. Real documents inflate to 5-20x their size (XML compresses that well;
# images and fonts hardly at all), so a whole file inflating past both 20x its size and
# 100 MB is not a document. Deflate itself tops out near 1032:1; any one member above
# 200:1 and past 10 MB is a run of repeated bytes built to exhaust memory, never prose:
# even a document.xml of empty table cells stays far below it.
_MAX_TOTAL_RATIO = 20
_MAX_TOTAL_BYTES = 100 * 1024 * 1024
_MAX_MEMBER_RATIO = 200
_MAX_MEMBER_BYTES = 10 * 1024 * 1024

# " | " would read better, but the news cleaning drops a line of three or more short
# "|"-separated cells as a site menu (`index.cleaning._is_menu`), and most table rows
# (figures, names, dates) are exactly that.
_CELL_SEPARATOR = "; "
_TITLE_STYLES = ("Title", "Heading 1")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: a .doc, or an encrypted .docx


def docx_articles(path: Path, data: bytes) -> Parsed:
    document = _open(data)
    try:
        blocks = _blocks(document)
    # python-docx resolves merged cells and styles lazily: a damaged table or style reference
    # fails here rather than at opening.
    except (KeyError, ValueError, IndexError, AttributeError) as err:
        raise reject(_EXPECTED, f"a damaged Word document ({type(err).__name__}: {err})", _FIX) from err
    meta, title = _properties(document)
    if title is None:
        title = next((text for text, style in blocks if style in _TITLE_STYLES and text), None)
    text = "\n".join(text for text, _ in blocks)
    stories = require_stories(clean_story_text(text, title=title, split_stories=False))
    return Parsed(tuple(build_articles(path, stories, meta, None)))


def _check_zip(data: bytes) -> None:
    """Refuse what is not a zip, and a zip bomb, before anything inflates a member.

    The sizes are those the zip's directory declares; Python's zipfile never inflates a
    member past its declared size (it stops there and fails the CRC check), so the bound
    holds for python-docx's reads too.
    """
    if data.startswith(_OLE_MAGIC):
        raise reject(_EXPECTED, "an old binary Word (.doc) or password-protected file",
                     "remove the password and save it as .docx from Word or LibreOffice")
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as err:
        raise reject(_EXPECTED, f"a file that is not a zip archive ({err})", _FIX) from err
    total = sum(m.file_size for m in members)
    if total > _MAX_TOTAL_BYTES and total > _MAX_TOTAL_RATIO * len(data):
        raise reject(_EXPECTED, f"a zip that inflates to {total / 2**20:.0f} MB from {len(data) / 2**20:.1f} MB "
                     "(a zip bomb, not a document)", "do not index this file")
    for m in members:
        if m.file_size > _MAX_MEMBER_BYTES and m.file_size > _MAX_MEMBER_RATIO * max(m.compress_size, 1):
            raise reject(_EXPECTED, f"a zip whose '{m.filename}' inflates {m.file_size // max(m.compress_size, 1)}"
                         " times (a zip bomb, not a document)", "do not index this file")
    if "word/document.xml" not in {m.filename for m in members}:
        names = ", ".join(sorted(m.filename for m in members)[:3]) or "nothing"
        raise reject(_EXPECTED, f"a zip without word/document.xml (it holds {names})", _FIX)


def _open(data: bytes) -> DocxDocument:
    _check_zip(data)
    try:
        return Document(io.BytesIO(data))
    # python-docx raises whatever its zip and XML layers raise for a package it cannot read:
    # KeyError for a missing part (a damaged file, or one saved as "Strict Open XML", whose
    # relationship names python-docx does not know), ValueError for a package that is not a
    # Word document, lxml's XMLSyntaxError (a SyntaxError) for broken XML.
    except (KeyError, ValueError, SyntaxError, zipfile.BadZipFile, OSError, EOFError) as err:
        raise reject(_EXPECTED, f"a damaged or Strict Open XML Word document ({type(err).__name__}: {err})",
                     f"{_FIX} as a Word Document (.docx)") from err


def _blocks(document: DocxDocument) -> list[tuple[str, str | None]]:
    """(text, paragraph style name) per paragraph, and per table row (style None), in order."""
    out: list[tuple[str, str | None]] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            style = block.style.name if block.style is not None else None
            out.append((block.text.strip(), style))
        elif isinstance(block, Table):
            out.extend((row, None) for row in _table_rows(block))
    return out


def _table_rows(table: Table) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell is previous:  # a merged cell comes once per grid column it spans: read it once
                continue
            previous = cell
            text = " ".join(cell.text.split())
            if text:
                cells.append(text)
        if cells:
            rows.append(_CELL_SEPARATOR.join(cells))
    return rows


def _properties(document: DocxDocument) -> tuple[ArticleMeta, str | None]:
    """The date and title the core properties state; none when the file has no core properties
    part (python-docx would then invent one: title "Word Document", modified now)."""
    package = document.part.package
    if package is None or not any(rel.reltype == RT.CORE_PROPERTIES for rel in package.rels.values()):
        return ArticleMeta(), None
    props = document.core_properties
    title = (props.title or "").strip() or None
    stamp: dt.datetime | None = props.created or props.modified
    if stamp is None:
        return ArticleMeta(), title
    return ArticleMeta(published=stamp.date(), origin="docx-properties"), title
