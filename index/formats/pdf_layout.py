"""A PDF page's text boxes in reading order: the layout half of reading a PDF (`pdf.py`).

pdfminer lays each page out into text boxes (lines grouped by proximity); the order is ours:
a recursive cut of the page at its gutters (columns, read left to right) and at the blocks
that span them (headlines across columns), so a two- or three-column page reads column by
column. Lines repeated at the top or bottom of most pages (running headers and footers,
digits ignored: "Page 3 of 9") and page-number-only lines there are dropped; a word broken
over two lines ("inter-" / "national") is joined, a hyphen before a capital ("Franco-" /
"German") kept; a box that starts in lower case after an unfinished sentence continues it.

Deliberately left out: opening the file, metadata, the outline and the articles (`pdf.py`),
tables as tables and vertical (CJK) writing.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass

from pdfminer.layout import LTChar, LTFigure, LTImage, LTItem, LTPage, LTTextBox, LTTextLine

from index.cleaning import looks_like_headline

# Running headers, footers and page numbers sit in the page margins: the top and bottom 12%
# of a page holds them with room to spare (a 1-inch margin is 9% of a Letter page).
_BAND = 0.12
# A heading is set at least this much larger than the body text (the median line height).
HEADING_SCALE = 1.15
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–—(\s]*(?:\d{1,6}|[ivxlc]{1,7})[-–—)\s]*(?:(?:of|/)\s*\d{1,4})?$", re.I)
_LIGATURES = re.compile("[\ufb00-\ufb06]")
_HYPHENS = "-\u2010\u00ad"


@dataclass(frozen=True)
class TextLine:
    text: str
    top: float
    bottom: float
    size: float  # the median font size of its characters


@dataclass(frozen=True)
class TextBox:
    lines: tuple[TextLine, ...]
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True)
class LaidOutPage:
    page_id: int | None
    height: float
    boxes: tuple[TextBox, ...]
    images: int


def _line(line: LTTextLine) -> TextLine | None:
    chars = [c for c in line if isinstance(c, LTChar)]
    text = line.get_text().strip()
    # rotated text (a margin stamp set sideways) comes apart into one line per letter: not read
    if not text or sum(c.upright for c in chars) * 2 < len(chars):
        return None
    text = _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return TextLine(text, line.y1, line.y0, statistics.median([c.size for c in chars] or [line.height]))


def collect_boxes(item: LTItem, boxes: list[TextBox], images: list[LTItem]) -> None:
    if isinstance(item, LTTextBox):
        lines = tuple(ln for ln in (_line(t) for t in item if isinstance(t, LTTextLine)) if ln is not None)
        if lines:
            boxes.append(TextBox(lines, item.x0, item.x1, item.y1, item.y0))
    elif isinstance(item, LTImage):
        images.append(item)
    elif isinstance(item, LTFigure | LTPage):
        for child in item:
            collect_boxes(child, boxes, images)



# --------------------------------------------------------------------------- layout


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text.lower())).strip()


def drop_margins(pages: list[LaidOutPage]) -> list[LaidOutPage]:
    """Without the margin lines (the top/bottom band of the page, and its topmost and bottommost
    lines wherever they are) that repeat on at least half the pages (running headers and footers,
    alternating left/right ones too) or are a page number."""

    def margin(page: LaidOutPage) -> set[tuple[float, float, str]]:
        lines = [ln for b in page.boxes for ln in b.lines]
        if not lines:
            return set()
        highest, lowest = max(ln.top for ln in lines), min(ln.bottom for ln in lines)
        return {(ln.top, ln.bottom, ln.text) for ln in lines
                if ln.bottom >= page.height * (1 - _BAND) or ln.top >= highest - 1
                or ln.top <= page.height * _BAND or ln.bottom <= lowest + 1}

    margins = [margin(p) for p in pages]
    seen = Counter(k for m in margins for k in {_key(text) for _, _, text in m})
    running = {k for k, n in seen.items() if len(pages) >= 2 and n >= max(2, math.ceil(len(pages) / 2))}
    out = []
    for page, edge in zip(pages, margins, strict=True):
        boxes = []
        for box in page.boxes:
            kept = tuple(ln for ln in box.lines if (ln.top, ln.bottom, ln.text) not in edge
                         or (_key(ln.text) not in running and not _PAGE_NUMBER.match(ln.text)))
            if kept:
                boxes.append(TextBox(kept, box.x0, box.x1, max(ln.top for ln in kept), min(ln.bottom for ln in kept)))
        out.append(LaidOutPage(page.page_id, page.height, tuple(boxes), page.images))
    return out


def _columns(boxes: list[TextBox], gutter: float) -> list[list[TextBox]]:
    """The boxes split at every vertical gap wider than `gutter`, left to right."""
    ordered = sorted(boxes, key=lambda b: b.x0)
    columns = [[ordered[0]]]
    right = ordered[0].x1
    for box in ordered[1:]:
        if box.x0 - right > gutter:
            columns.append([])
        columns[-1].append(box)
        right = max(right, box.x1)
    return columns


def _bands(boxes: list[TextBox], gutter: float) -> list[list[TextBox]]:
    """Runs of horizontal bands (split where no box spans a height) that share their columns:
    a band that crosses the gutters of the run above (a headline over both columns) starts a run."""
    ordered = sorted(boxes, key=lambda b: -b.top)
    bands = [[ordered[0]]]
    low = ordered[0].bottom
    for box in ordered[1:]:
        if box.top < low:
            bands.append([])
        bands[-1].append(box)
        low = min(low, box.bottom)
    runs = [bands[0]]
    for band in bands[1:]:
        merged = runs[-1] + band
        one_column = len(_columns(runs[-1], gutter)) == 1 and len(_columns(band, gutter)) == 1
        if one_column or len(_columns(merged, gutter)) > 1:
            runs[-1] = merged
        else:
            runs.append(band)
    return runs


def reading_order(boxes: list[TextBox], gutter: float) -> list[TextBox]:
    if len(boxes) <= 1:
        return boxes
    for split in (_columns(boxes, gutter), _bands(boxes, gutter)):
        if len(split) > 1:
            return [b for part in split for b in reading_order(part, gutter)]
    return sorted(boxes, key=lambda b: (-b.top, b.x0))


def _join(left: str, right: str) -> str:
    """Two lines of one paragraph: a word broken at a line end joined, a compound's hyphen kept."""
    if len(left) > 1 and left[-1] in _HYPHENS and left[-2].isalpha() and right[:1].isalpha():
        return left[:-1] + right if right[0].islower() else left[:-1] + "-" + right
    return f"{left} {right}"


def paragraphs(boxes: list[TextBox]) -> list[str]:
    """One paragraph per box; a box that starts in lower case after one that did not end a
    sentence continues it (a paragraph cut by a column or page break)."""
    out: list[str] = []
    for box in boxes:
        text = box.lines[0].text
        for above, line in zip(box.lines, box.lines[1:], strict=False):
            if max(above.size, line.size) >= min(above.size, line.size) * HEADING_SCALE:  # a heading over text
                out.append(text)
                text = line.text
            else:
                text = _join(text, line.text)
        if out and text[:1].islower() and not re.search(r"""[.!?:;…]["'”’)\]]*$""", out[-1]):
            out[-1] = _join(out[-1], text)
        else:
            out.append(text)
    return out


def first_heading(boxes: list[TextBox]) -> str | None:
    """The first line set in larger type than the body that reads like a headline."""
    sizes = [ln.size for b in boxes for ln in b.lines]
    if not sizes:
        return None
    body = statistics.median(sizes)
    for line in (ln for b in boxes[:12] for ln in b.lines):
        if line.size >= body * HEADING_SCALE and sum(c.isalpha() for c in line.text) >= 3 \
                and looks_like_headline(line.text):
            return line.text
    return None
