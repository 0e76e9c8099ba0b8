"""PDF files: one article per PDF, its text read in reading order with pdfminer.six.

pdfminer lays each page out into text boxes; `pdf_layout.py` orders them (columns, blocks
that span them), drops running headers, footers and page numbers and rejoins broken words
and paragraphs. This module opens the file, reads the title and date from the document
information or XMP metadata (date origin "pdf-metadata"; a title that is a file name or a
placeholder ("Untitled", "Microsoft Word - x.docx") gives way to the first large-type
heading line), and splits a PDF whose outline has several top-level entries into one part
per entry; otherwise the PDF is one article (a newspaper page of several stories too).

Refused with a reason: a scan without a text layer (run OCR first), a PDF that needs a
password, a corrupt or truncated file.

Deliberately left out: OCR, tables as tables, vertical (CJK) writing, splitting a newspaper
page into stories without an outline, and annotations or form fields.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import statistics
import xml.etree.ElementTree as ET
from pathlib import Path

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LAParams, LTItem
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFNoOutlines
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef, PDFStream, resolve1
from pdfminer.psexceptions import PSException
from pdfminer.psparser import PSLiteral
from pdfminer.utils import decode_text

from index.cleaning import clean_story_text
from index.formats.common import (
    ArticleMeta,
    Parsed,
    build_articles,
    date_problem,
    file_problem,
    parse_published,
    reject,
)
from index.formats.pdf_layout import (
    LaidOutPage,
    TextBox,
    collect_boxes,
    drop_margins,
    first_heading,
    paragraphs,
    reading_order,
)
from newsrag.types import Article, FileMessage

# pdfminer logs what it repairs in a damaged file ("Data-loss while decompressing corrupted
# data") as warnings, which would print between the index command's lines; what cannot be
# read is reported as a problem of the file instead.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

# boxes_flow=None: pdfminer's own box ordering is skipped (ours replaces it, and it is the slow
# part); all_texts: text inside form XObjects, where some generators put a whole page, is laid out too.
_LAPARAMS = LAParams(boxes_flow=None, all_texts=True)
# Errors pdfminer lets through from malformed files besides its own (bad streams, bad numbers).
_CORRUPT = (PSException, ValueError, KeyError, TypeError, IndexError, AssertionError, AttributeError, EOFError)
_PLACEHOLDER_TITLE = re.compile(
    r"^(?:untitled\b.*|document\s*\d*|title|microsoft\s+\w+\s*-\s.*|.*\.(?:docx?|odt|rtf|pdf|txt|tex|dvi|e?ps|"
    r"indd|qxd|pages|html?|xlsx?|pptx?))$", re.I)


# --------------------------------------------------------------------------- reading


def _open(data: bytes) -> PDFDocument:
    try:
        return PDFDocument(PDFParser(io.BytesIO(data)))
    except PDFEncryptionError as err:
        raise reject("an unencrypted PDF", "one protected by a password",
                     "save an unprotected copy (print to PDF, or qpdf --decrypt) and index that") from err
    except _CORRUPT as err:
        raise _corrupt(err) from err


def _corrupt(err: BaseException) -> Exception:
    return reject("a complete PDF file", f"a damaged or truncated one ({type(err).__name__}: {err})",
                  "download or export it again")


def _pages(doc: PDFDocument) -> list[LaidOutPage]:
    manager = PDFResourceManager()
    device = PDFPageAggregator(manager, laparams=_LAPARAMS)
    interpreter = PDFPageInterpreter(manager, device)
    pages = []
    try:
        for page in PDFPage.create_pages(doc):
            interpreter.process_page(page)
            layout = device.get_result()
            boxes: list[TextBox] = []
            images: list[LTItem] = []
            collect_boxes(layout, boxes, images)
            page_id = page.pageid if isinstance(page.pageid, int) else None
            pages.append(LaidOutPage(page_id, layout.height, tuple(boxes), len(images)))
    except _CORRUPT as err:
        if not pages:
            raise _corrupt(err) from err
    return pages




# --------------------------------------------------------------------------- metadata


def _text(value: object) -> str | None:
    value = resolve1(value)
    if isinstance(value, bytes):
        return decode_text(value).strip() or None
    if isinstance(value, str):
        return value.strip() or None
    return None


def _xmp(doc: PDFDocument) -> tuple[str | None, str | None]:
    """(dc:title, xmp:CreateDate) from the XMP packet, when there is a readable one."""
    stream = resolve1(doc.catalog.get("Metadata"))
    if not isinstance(stream, PDFStream):
        return None, None
    try:
        root = ET.fromstring(stream.get_data())
    except (ET.ParseError, *_CORRUPT):
        return None, None
    ns = {"dc": "http://purl.org/dc/elements/1.1/", "xmp": "http://ns.adobe.com/xap/1.0/"}
    title = root.find(".//dc:title//{http://www.w3.org/1999/02/22-rdf-syntax-ns#}li", ns)
    created = root.find(".//xmp:CreateDate", ns)
    created_attr = next((e.get(f"{{{ns['xmp']}}}CreateDate") for e in root.iter()
                         if e.get(f"{{{ns['xmp']}}}CreateDate")), None)
    return (title.text if title is not None else None), (created.text if created is not None else created_attr)


def _pdf_date(value: str) -> dt.date:
    """D:20230919103000+02'00' (the PDF date format) or an ISO date (XMP) -> date."""
    m = re.match(r"^(?:D:)?\s*(\d{4})(\d{2})(\d{2})", value.strip())
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return parse_published(value)


def _usable_title(title: str | None, path: Path) -> str | None:
    title = re.sub(r"\s+", " ", title or "").strip()
    if not any(c.isalpha() for c in title) or _PLACEHOLDER_TITLE.match(title) or title.lower() == path.stem.lower():
        return None
    if " " not in title and re.search(r"[_/\\]|[A-Za-z]\d+$", title):  # report_v2, ltnews09, C:\x
        return None
    return title


# --------------------------------------------------------------------------- outline


def _outline_starts(
    doc: PDFDocument, flat: list[tuple[int, TextBox]], page_ids: list[int | None]
) -> list[tuple[str, int]]:
    """(title, index into `flat`) of each top-level outline entry that points at a page."""
    try:
        entries = list(doc.get_outlines())
    except PDFNoOutlines:
        return []
    except _CORRUPT:  # an unreadable outline only costs the split
        return []
    starts: dict[int, str] = {}
    for level, title, dest, action, _ in entries:
        if level != 1:
            continue
        try:
            target = resolve1(dest if dest is not None else (resolve1(action) or {}).get("D"))
            if isinstance(target, PSLiteral | bytes | str):
                target = resolve1(doc.get_dest(target.name if isinstance(target, PSLiteral) else target))
            if isinstance(target, dict):
                target = resolve1(target.get("D"))
        except _CORRUPT:
            continue
        if not isinstance(target, list) or not target or not isinstance(target[0], PDFObjRef):
            continue
        if target[0].objid not in page_ids:
            continue
        page = page_ids.index(target[0].objid)
        # /XYZ left top: the entry starts at the first box read at or below and right of that point
        left, top = [v if isinstance(v, int | float) else None for v in (list(target[2:4]) + [None, None])[:2]]
        index = next((i for i, (p, box) in enumerate(flat) if p > page or (
            p == page and (top is None or box.top <= top + 2) and (left is None or box.x1 > left))), len(flat))
        starts.setdefault(index, title)
    return sorted(((t, i) for i, t in starts.items()), key=lambda s: s[1])


# --------------------------------------------------------------------------- the parser


def pdf_articles(path: Path, data: bytes) -> Parsed:
    doc = _open(data)
    pages = _pages(doc)
    if not any(p.boxes for p in pages):
        if any(p.images for p in pages):
            raise reject("a PDF with a text layer", "only images (a scan)",
                         "run OCR first (e.g. ocrmypdf) and index the result")
        raise reject("a PDF with text", "pages without text or images", "check that the right file was exported")
    problems: list[FileMessage] = []
    scanned = [str(n) for n, p in enumerate(pages, 1) if not p.boxes and p.images]
    if scanned:
        problems.append(file_problem(path, "text on every page", f"only images on page(s) {', '.join(scanned)}",
                                     "run OCR (e.g. ocrmypdf) to index those pages too"))
    pages = drop_margins(pages)
    flat: list[tuple[int, TextBox]] = []
    for n, page in enumerate(pages):
        sizes = [ln.size for b in page.boxes for ln in b.lines]
        gutter = statistics.median(sizes) / 2 if sizes else 1.0  # a column gap is at least ~1 em
        flat.extend((n, b) for b in reading_order(list(page.boxes), gutter))

    info = {k: v for d in doc.info for k, v in d.items()}
    xmp_title, xmp_date = _xmp(doc)
    published = None
    date_text = _text(info.get("CreationDate")) or xmp_date
    if date_text:
        try:
            published = _pdf_date(date_text)
        except ValueError:
            problems.append(date_problem(path, path, date_text))
    meta = ArticleMeta(published=published, origin="pdf-metadata")

    starts = _outline_starts(doc, flat, [p.page_id for p in pages])
    if len(starts) < 2:
        boxes = [b for _, b in flat]
        title = _usable_title(_text(info.get("Title")) or xmp_title, path) or first_heading(boxes)
        sections = [(title, boxes)]
    else:  # what comes before the first entry (a masthead) stays with the first part
        bounds = [0] + [i for _, i in starts[1:]] + [len(flat)]
        sections = [(t, [b for _, b in flat[bounds[k]:bounds[k + 1]]]) for k, (t, _) in enumerate(starts)]
    articles: list[Article] = []
    for title, boxes in sections:
        stories = clean_story_text("\n".join(paragraphs(boxes)), title=title, split_stories=False)
        articles.extend(build_articles(path, stories, meta, len(articles) + 1 if len(sections) > 1 else None))
    if not articles:
        raise reject("article text in the PDF", "nothing left after removing headers, footers and page numbers",
                     "check that the PDF holds the article itself")
    return Parsed(tuple(articles), tuple(problems))
