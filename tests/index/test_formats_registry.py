"""The one registry of file formats: every place that lists or limits formats follows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.index_commands import INDEX_HELP
from index.article_files import check_size, count_formats, discover_files, formats_line
from index.formats import FORMATS, SUPPORTED_SUFFIXES, ArchiveFormat, BinaryFormat, Rejected, TextFormat, format_of
from newsrag.settings import Settings
from newsrag.types import FileLimits, FormatCount
from ui.uploads import save_uploads


def test_every_suffix_is_claimed_by_one_format_in_lower_case() -> None:
    assert len(SUPPORTED_SUFFIXES) == len(set(SUPPORTED_SUFFIXES))
    assert all(s == s.lower() and s.startswith(".") for s in SUPPORTED_SUFFIXES)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a.TXT", "plain text"), ("page.htm", "HTML"), ("report.pdf", "PDF"), ("draft.DOCX", "Word"),
     ("tip.eml", "e-mail"), ("news.rss", "feed"), ("news.xml", "feed"), ("crawl.warc", "WARC"),
     ("crawl.warc.gz", "WARC"), ("notes.gz", None), ("photo.png", None), ("old.doc", None), ("noext", None)],
)  # fmt: skip
def test_a_file_goes_to_the_format_its_suffix_names(name: str, expected: str | None) -> None:
    fmt = format_of(name)
    assert (fmt.name if fmt else None) == expected


def test_each_kind_of_format_takes_what_its_parser_reads() -> None:
    kinds = {f.name: type(f) for f in FORMATS}
    assert kinds["HTML"] is TextFormat and kinds["PDF"] is BinaryFormat and kinds["WARC"] is ArchiveFormat


def test_the_index_command_help_names_every_format() -> None:
    help_text = INDEX_HELP.lower()
    for fmt in FORMATS:
        assert fmt.name.lower() in help_text, fmt.name


def test_a_folder_walk_picks_up_every_format_and_nothing_else(tmp_path: Path) -> None:
    names = ["a.txt", "b.pdf", "c.docx", "d.eml", "e.atom", "f.warc.gz", "g.png", "h.gz", ".hidden.pdf"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    found = sorted(p.name for p in discover_files([tmp_path]))
    assert found == ["a.txt", "b.pdf", "c.docx", "d.eml", "e.atom", "f.warc.gz"]


def test_an_archive_is_bounded_by_the_archive_limit_and_an_article_file_by_the_file_limit() -> None:
    limits = FileLimits(max_file_bytes=1000, max_archive_bytes=50_000)
    assert check_size("crawl.warc.gz", 40_000, limits) == 50_000
    with pytest.raises(Rejected, match="NEWSRAG_MAX_FILE_MB"):
        check_size("report.pdf", 40_000, limits)
    with pytest.raises(Rejected, match=r"expected a file of at most .*NEWSRAG_MAX_ARCHIVE_MB"):
        check_size("crawl.warc", 60_000, limits)


def test_settings_give_both_limits_in_mib() -> None:
    limits = Settings(max_file_mb=2, max_archive_mb=8).file_limits
    assert limits == FileLimits(2 * 1024 * 1024, 8 * 1024 * 1024)


def test_browser_uploads_follow_the_same_formats_and_limits(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    files = {"crawl.warc.gz": 5000, "report.pdf": 5000, "photo.png": 10, "small.eml": 10}
    for name, size in files.items():
        (src / name).write_bytes(b"x" * size)
    saved = save_uploads([(n, src / n) for n in files], tmp_path / "up", FileLimits(1000, 10_000))
    assert sorted(p.name for p in saved.paths) == ["crawl.warc.gz", "small.eml"]
    refused = {m.path: m.message for m in saved.problems}
    assert "NEWSRAG_MAX_FILE_MB" in refused["report.pdf"] and "photo.png" in refused


def test_the_summary_counts_files_and_articles_per_format_in_registry_order() -> None:
    counts = count_formats([(Path("a.pdf"), 2), (Path("b.txt"), 1), (Path("c.pdf"), 0), (Path("x.warc.gz"), 12)])
    assert counts == (FormatCount("plain text", 1, 1, 1), FormatCount("PDF", 2, 1, 2), FormatCount("WARC", 1, 1, 12))
    assert formats_line(counts) == ("files: 1 plain text (1 article), 2 PDF (2 articles, 1 without articles), "
                                    "1 WARC (12 articles)")
    assert formats_line(()) == ""
