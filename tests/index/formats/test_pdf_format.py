"""PDF files (`index/formats/pdf.py`): real samples (tests/data/formats/pdf/SOURCE.md, and one
LaTeX News issue from evals/pdf_layout/) and edge cases generated with reportlab."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from index.article_files import load_articles
from index.formats.common import Parsed, Rejected
from index.formats.pdf import pdf_articles
from newsrag.types import FileLimits

REPO = Path(__file__).resolve().parents[3]
SAMPLES = REPO / "tests" / "data" / "formats" / "pdf"
LATEX_NEWS = REPO / "evals" / "pdf_layout" / "ltnews09.pdf"  # two columns, six outline entries

COL1 = ["Officials said the northern bridge would reopen on Monday.", "Traffic was diverted through the old town."]
COL2 = ["Engineers found the cracks during a routine inspection.", "Repairs cost the city four million euros."]


def _read(path: Path) -> Parsed:
    return pdf_articles(path, path.read_bytes())


def _pdf(draw: Callable[[canvas.Canvas], None], **options: object) -> bytes:
    """A generated PDF; `invariant` fixes the creation date (2000-01-01) and ids."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, invariant=1, **options)
    draw(c)
    c.save()
    return buf.getvalue()


def _lines(c: canvas.Canvas, x: float, top: float, lines: list[str], size: int = 10) -> None:
    c.setFont("Helvetica", size)
    for n, line in enumerate(lines):
        c.drawString(x, top - n * size * 1.3, line)


def _parse(data: bytes, name: str = "story.pdf") -> Parsed:
    return pdf_articles(Path(name), data)


# --------------------------------------------------------------------------- real samples


def test_magazine_page_title_and_date_from_metadata() -> None:
    (article,) = _read(SAMPLES / "issue-00352-asw-oct96-p41.pdf").articles
    assert article.title == "Losing the Cabin"
    assert article.published == dt.date(2006, 10, 6) and article.published_origin == "pdf-metadata"
    assert "A rapid decompression occurred at FL 290." in article.text
    assert article.part == 0


def test_two_column_newsletter_reads_column_one_then_two_split_by_its_outline() -> None:
    articles = _read(LATEX_NEWS).articles
    assert [a.title for a in articles] == [
        "New math font encodings", "A new math accent", "Extended \\DeclareMathDelimiter", "Tools distribution",
        "Support for Cyrillic encodings", "Default docstrip header",
    ]  # fmt: skip
    assert [a.part for a in articles] == [1, 2, 3, 4, 5, 6]
    first = articles[0].text
    # a paragraph that continues at the top of the next box is one sentence again
    assert "Documents using only standard LATEX commands for math symbols should not be affected" in first
    tools = articles[3].text
    assert tools.index("multiple columns without balancing") < tools.index("partly recoded by Hideo Umeki")


def test_outline_with_page_numbers_splits_into_parts_and_drops_page_numbers() -> None:
    articles = _read(SAMPLES / "pagelabels.pdf").articles
    assert [(a.part, a.title) for a in articles] == [
        (1, "First section"), (2, "Second section"), (3, "Third section"), (4, "Heading on Level 1 (section)"),
    ]  # fmt: skip
    assert articles[1].text.splitlines()[-1] == "Some text here..."  # the page number "iv" below it is gone
    assert all(a.published == dt.date(2021, 10, 12) for a in articles)


def test_damaged_stream_still_reads() -> None:
    (article,) = _read(SAMPLES / "zen_of_python_corrupted.pdf").articles
    assert "Beautiful is better than ugly." in article.text


def test_real_encrypted_pdf_is_refused() -> None:
    with pytest.raises(Rejected, match="expected an unencrypted PDF, got one protected by a password; "):
        _read(SAMPLES / "aes-128.pdf")


# --------------------------------------------------------------------------- generated edge cases


def test_two_columns_under_a_spanning_headline_read_in_column_order() -> None:
    def draw(c: canvas.Canvas) -> None:
        c.setFont("Helvetica-Bold", 20)
        c.drawString(72, 720, "City Bridge Closed for Repairs After Inspection")
        _lines(c, 72, 680, COL1)
        _lines(c, 330, 680, COL2)

    (article,) = _parse(_pdf(draw)).articles
    assert article.title == "City Bridge Closed for Repairs After Inspection"
    positions = [article.text.index(s) for s in COL1 + COL2]
    assert positions == sorted(positions)


def test_hyphenated_line_ends_join_and_compound_hyphens_stay() -> None:
    def draw(c: canvas.Canvas) -> None:
        _lines(c, 72, 720, ["Summit Ends With Accord"], size=16)
        _lines(c, 72, 690, ["The inter-", "national meeting welcomed the Franco-", "German proposal on energy prices."])

    (article,) = _parse(_pdf(draw)).articles
    assert article.text == "The international meeting welcomed the Franco-German proposal on energy prices."


def test_running_header_footer_and_page_numbers_are_dropped() -> None:
    def draw(c: canvas.Canvas) -> None:
        for n in range(1, 4):
            _lines(c, 72, 760, [f"The Daily Ledger | Tuesday edition | page {n} of 3"], size=8)
            _lines(c, 72, 600, [f"Paragraph {n} of the report says the council met again on that day."])
            _lines(c, 72, 40, ["Printed for subscribers only"], size=8)
            _lines(c, 300, 25, [str(n)], size=8)
            c.showPage()

    (article,) = _parse(_pdf(draw)).articles
    assert "Ledger" not in article.title + article.text and "subscribers" not in article.text
    assert article.text.splitlines() == [f"Paragraph {n} of the report says the council met again on that day."
                                         for n in range(1, 4)]


def test_metadata_title_and_creation_date() -> None:
    def draw(c: canvas.Canvas) -> None:
        c.setTitle("Port Strike Enters Second Week")
        _lines(c, 72, 700, ["Dock workers kept the container terminal closed on Tuesday.",
                            "Talks resume on Friday."])

    data = _pdf(draw).replace(b"D:20000101000000+00'00'", b"D:20230919103000+02'00'")
    (article,) = _parse(data).articles
    assert article.title == "Port Strike Enters Second Week"
    assert article.published == dt.date(2023, 9, 19) and article.published_origin == "pdf-metadata"


@pytest.mark.parametrize("placeholder", ["Microsoft Word - draft_v2.docx", "Untitled", "story.pdf", "story"])
def test_a_placeholder_title_gives_way_to_the_first_heading(placeholder: str) -> None:
    def draw(c: canvas.Canvas) -> None:
        c.setTitle(placeholder)
        _lines(c, 72, 740, ["Harbour Authority Bulletin"], size=9)
        c.setFont("Helvetica-Bold", 18)
        c.drawString(72, 700, "Port Strike Enters Second Week")
        _lines(c, 72, 670, ["Dock workers kept the container terminal closed on Tuesday.", "Talks resume on Friday."])

    (article,) = _parse(_pdf(draw)).articles
    assert article.title == "Port Strike Enters Second Week"
    assert article.text.startswith("Harbour Authority Bulletin\nDock workers kept")


def test_an_outline_with_two_stories_gives_two_parts() -> None:
    def draw(c: canvas.Canvas) -> None:
        for key, title, body in (("a", "Flood Warning Lifted", COL1), ("b", "Bridge Repairs Cost More", COL2)):
            c.bookmarkPage(key)
            c.addOutlineEntry(title, key, level=0)
            c.setFont("Helvetica-Bold", 16)
            c.drawString(72, 720, title)
            _lines(c, 72, 690, body)
            c.showPage()

    articles = _parse(_pdf(draw)).articles
    assert [(a.part, a.title, a.text) for a in articles] == [
        (1, "Flood Warning Lifted", " ".join(COL1)), (2, "Bridge Repairs Cost More", " ".join(COL2)),
    ]  # fmt: skip
    assert len({a.id for a in articles}) == 2


def test_a_scan_without_text_is_refused() -> None:
    def draw(c: canvas.Canvas) -> None:
        c.drawInlineImage(Image.new("L", (40, 60), 200), 72, 400, width=400, height=600)

    with pytest.raises(Rejected) as err:
        _parse(_pdf(draw))
    assert str(err.value) == ("expected a PDF with a text layer, got only images (a scan); "
                              "run OCR first (e.g. ocrmypdf) and index the result")


def test_a_password_protected_pdf_is_refused() -> None:
    data = _pdf(lambda c: _lines(c, 72, 700, COL1), encrypt="secret")
    with pytest.raises(Rejected, match="expected an unencrypted PDF, got one protected by a password"):
        _parse(data)


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.05])
def test_a_truncated_pdf_is_refused_clearly(keep: float) -> None:
    data = _pdf(lambda c: _lines(c, 72, 700, COL1))
    with pytest.raises(Rejected, match="expected a complete PDF file, got a damaged or truncated one"):
        _parse(data[: int(len(data) * keep)])


def test_an_empty_page_is_refused() -> None:
    with pytest.raises(Rejected, match="expected a PDF with text, got pages without text or images"):
        _parse(_pdf(lambda c: c.showPage()))


# --------------------------------------------------------------------------- through the loader


def test_a_pdf_in_a_folder_loads_as_an_article(tmp_path: Path) -> None:
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "magazine.pdf").write_bytes((SAMPLES / "issue-00352-asw-oct96-p41.pdf").read_bytes())
    (tmp_path / "news" / "locked.pdf").write_bytes((SAMPLES / "aes-128.pdf").read_bytes())
    result = load_articles([tmp_path], FileLimits.uniform(1_000_000))
    (article,) = result.articles
    assert article.title == "Losing the Cabin" and article.published_origin == "pdf-metadata"
    assert Path(article.source_path).name == "magazine.pdf"
    (problem,) = result.problems
    assert "locked.pdf: expected an unencrypted PDF" in problem.message
