"""Word .docx files: text in document order, tables as rows, core properties, and the files
that must be refused (zip bombs, damaged or Strict Open XML packages, old .doc files)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import docx
import pytest

from index.formats import Rejected
from index.formats.word import docx_articles

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "formats" / "docx"
STORY = (
    "The city council approved the 2024 budget on Tuesday by seven votes to two, after a debate "
    "that ran past midnight.",
    "The mayor said she would sign the budget this week and that the new library would open in spring.",
)


def _docx(build: object = None, **props: object) -> bytes:
    """A Word document made with python-docx: a heading, the story, a table of figures."""
    document = docx.Document()
    for name, value in props.items():
        setattr(document.core_properties, name, value)
    document.add_heading("Council Passes Budget After Long Debate", level=1)
    document.add_paragraph(STORY[0])
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(table.rows, (("Vote", "For", "Against"), ("Budget", "7", "2"), ("Library", "9", "0")),
                          strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph(STORY[1])
    if callable(build):
        build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _rezip(data: bytes, replace: dict[str, bytes | None]) -> bytes:
    """The same package with some members replaced (None: removed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in replace:
                content = replace[info.filename]
                if content is not None:
                    dst.writestr(info.filename, content)
            else:
                dst.writestr(info, src.read(info.filename))
    return out.getvalue()


def _reason(data: bytes) -> str:
    with pytest.raises(Rejected) as err:
        docx_articles(Path("story.docx"), data)
    return str(err.value)


# --------------------------------------------------------------------------- real files


def test_real_word_file_reads_paragraphs_and_tables_in_order() -> None:
    path = SAMPLES / "blk-paras-and-tables.docx"
    (article,) = docx_articles(path, path.read_bytes()).articles
    assert article.text.split("\n") == [
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
        "Text before Text after",  # the one table with text, between the two paragraphs
        "Donec semper facilisis metus finibus malesuada.",
    ]
    # no title property and no heading: the cleaning's title from the first sentence
    assert article.title == "Lorem ipsum dolor sit amet, consectetur adipiscing elit"
    assert article.published == dt.date(2023, 11, 3) and article.published_origin == "docx-properties"
    assert article.source is None  # the author ("Steve Canny") is a person, not an outlet
    assert article.part == 0 and article.source_path == str(path)


def test_real_file_without_core_properties_gets_no_invented_title_or_date() -> None:
    path = SAMPLES / "utf8-bom.docx"
    (article,) = docx_articles(path, path.read_bytes()).articles
    assert "This XML has a byte order mark" in article.title + article.text
    assert article.title != "Word Document"  # python-docx's default for a missing core part
    assert article.published is None and article.published_origin is None


def test_real_strict_open_xml_file_is_refused_with_a_fix() -> None:
    reason = _reason((SAMPLES / "strict-format.docx").read_bytes())
    assert reason.startswith("expected a Word .docx file, got a damaged or Strict Open XML Word document")
    assert reason.endswith("re-save it from Word or LibreOffice as a Word Document (.docx)")


# --------------------------------------------------------------------------- generated documents


def test_core_properties_give_title_and_date_and_tables_survive_cleaning() -> None:
    data = _docx(title="Budget Passes", author="Jane Roe", created=dt.datetime(2023, 9, 19, 22, 0),
                 modified=dt.datetime(2023, 9, 21, 8, 0))
    (article,) = docx_articles(Path("budget.docx"), data).articles
    assert article.title == "Budget Passes"
    assert article.published == dt.date(2023, 9, 19) and article.published_origin == "docx-properties"
    assert article.source is None and "Jane Roe" not in article.text
    assert article.text.split("\n") == [
        "Council Passes Budget After Long Debate",  # a heading is text when the title comes from properties
        STORY[0],
        "Vote; For; Against",  # short cells: "|" would make the cleaning drop them as a site menu
        "Budget; 7; 2",
        "Library; 9; 0",
        STORY[1],
    ]


def test_heading_is_the_title_without_a_title_property_and_modified_dates_it_without_created() -> None:
    data = _docx(title="", modified=dt.datetime(2023, 9, 20, 10, 0))
    core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml").decode()
    start, end = core.index("<dcterms:created"), core.index("</dcterms:created>") + len("</dcterms:created>")
    data = _rezip(data, {"docProps/core.xml": (core[:start] + core[end:]).encode()})
    (article,) = docx_articles(Path("budget.docx"), data).articles
    assert article.title == "Council Passes Budget After Long Debate"
    assert article.text.startswith(STORY[0])  # the heading is not repeated in the text
    assert article.published == dt.date(2023, 9, 20) and article.published_origin == "docx-properties"


def test_merged_cells_are_read_once() -> None:
    def merged(document: docx.document.Document) -> None:
        table = document.add_table(rows=1, cols=3)
        table.cell(0, 0).merge(table.cell(0, 1)).text = "Turnout"
        table.cell(0, 2).text = "41 percent"

    (article,) = docx_articles(Path("m.docx"), _docx(merged)).articles
    assert article.text.split("\n")[-1] == "Turnout; 41 percent"


# --------------------------------------------------------------------------- refused files


def test_zip_bomb_is_refused_before_it_is_inflated() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("[Content_Types].xml", "<Types/>")
        with bomb.open("word/document.xml", "w") as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(120):  # 120 MB of zeros: about 120 KB compressed
                member.write(chunk)
    data = out.getvalue()
    assert len(data) < 1_000_000
    reason = _reason(data)
    assert reason.startswith("expected a Word .docx file, got a zip that inflates to 120 MB")
    assert "zip bomb" in reason


def test_one_highly_compressed_member_is_refused_below_the_total_bound() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("word/document.xml", b"<w:p/>" * 3_000_000)  # 18 MB that compresses ~1000 times
    reason = _reason(out.getvalue())
    assert "'word/document.xml' inflates" in reason and "zip bomb" in reason


@pytest.mark.parametrize(
    ("data", "got"),
    [
        (b"Council passes budget\n\nThe council approved it.", "a file that is not a zip archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "an old binary Word (.doc) or password-protected file"),
    ],
)
def test_files_that_are_not_docx_packages(data: bytes, got: str) -> None:
    assert _reason(data).startswith(f"expected a Word .docx file, got {got}")


def test_zip_without_a_word_document_and_broken_xml_are_refused() -> None:
    no_document = _rezip(_docx(), {"word/document.xml": None})
    assert "a zip without word/document.xml" in _reason(no_document)
    broken = _rezip(_docx(), {"word/document.xml": b"<w:document><w:body><w:p>"})
    reason = _reason(broken)
    assert reason.startswith("expected a Word .docx file, got a damaged or Strict Open XML Word document")
    assert reason.endswith("re-save it from Word or LibreOffice as a Word Document (.docx)")


def test_document_without_text_is_refused() -> None:
    document = docx.Document()
    out = io.BytesIO()
    document.save(out)
    assert _reason(out.getvalue()).startswith("expected article text under the title")
