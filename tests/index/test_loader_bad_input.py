"""Bad files become clear FileProblems ("expected X, got Y; fix") and never stop a batch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import article_files, html_extract
from index.article_files import LoadResult, load_articles
from newsrag.types import FileLimits

GOOD = "Good Story Headline Here\nIt happened on Monday, officials said."


def _batch(tmp_path: Path, name: str, content: bytes, max_file_bytes: int = 1_000_000) -> LoadResult:
    """Load a folder holding the bad file next to a good one."""
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / name).write_bytes(content)
    return load_articles([tmp_path], FileLimits.uniform(max_file_bytes))


def _only_problem(result: LoadResult, name: str) -> str:
    (problem,) = result.problems
    assert Path(problem.path).name == name.split(":")[0]
    assert name.split(":")[0] in problem.message
    assert "expected" in problem.message and "got" in problem.message
    return problem.message


def _good_still_loaded(result: LoadResult) -> None:
    assert "Good Story Headline Here" in [a.title for a in result.articles]


@pytest.mark.parametrize("content", [b"", b"  \n\n\t \n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    result = _batch(tmp_path, "empty.txt", content)
    message = _only_problem(result, "empty.txt")
    assert "expected article text" in message and ("empty" in message or "whitespace" in message)
    assert "add the article text" in message
    _good_still_loaded(result)
    assert str((tmp_path / "empty.txt").resolve()) in result.files_seen


def test_binary_file(tmp_path: Path) -> None:
    result = _batch(tmp_path, "photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    message = _only_problem(result, "photo.txt")
    assert "expected a UTF-8 text file, got binary data" in message and "convert" in message
    _good_still_loaded(result)


def test_utf16_file_is_named_as_such(tmp_path: Path) -> None:
    result = _batch(tmp_path, "wide.txt", "Story Title\nBody.".encode("utf-16"))
    assert "got UTF-16 text; re-save the file as UTF-8" in _only_problem(result, "wide.txt")


def test_legacy_encoded_text_is_decoded_and_the_encoding_named(tmp_path: Path) -> None:
    body = ("Caf\u00e9 owners in the old town said on Saturday that prices had risen \u2014 again \u2014 "
            "by 5 percent, and that the \u201cnew\u201d tax would cost each of them \u20ac200 a month.")
    result = _batch(tmp_path, "legacy.txt", f"Caf\u00e9 owners warn of rising prices\n{body}\n".encode("cp1252"))
    assert result.problems == ()
    article = next(a for a in result.articles if a.title.startswith("Caf"))
    assert article.title == "Caf\u00e9 owners warn of rising prices" and article.text == body
    (note,) = result.notes
    assert note.path.endswith("legacy.txt") and "read as Windows-1252, not UTF-8" in note.message
    assert "re-save it as UTF-8" in note.message
    _good_still_loaded(result)


def test_utf8_files_carry_no_encoding_note(tmp_path: Path) -> None:
    result = _batch(tmp_path, "plain.txt", "Caf\u00e9 story headline\nIt opened on time.".encode())
    assert result.notes == () and result.problems == ()


def test_utf8_bom_is_fine(tmp_path: Path) -> None:
    result = _batch(tmp_path, "bom.txt", b"\xef\xbb\xbfBOM Story Headline Here\nIt happened.")
    assert result.problems == ()
    assert "BOM Story Headline Here" in [a.title for a in result.articles]


def test_too_large_file_is_rejected_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "huge.txt"
    with big.open("wb") as fh:  # sparse 50 MB file: cheap to create
        fh.truncate(50 * 1024 * 1024)
    opened: list[str] = []
    real_open = Path.open

    def spy_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        opened.append(self.name)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(article_files.Path, "open", spy_open)
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    result = load_articles([tmp_path], FileLimits.uniform(20 * 1024 * 1024))
    message = _only_problem(result, "huge.txt")
    assert "expected a file of at most 20.0 MB, got 50.0 MB" in message
    assert "NEWSRAG_MAX_FILE_MB" in message
    assert "huge.txt" not in opened and "good.txt" in opened
    _good_still_loaded(result)


def test_malformed_json_lines_keep_the_good_ones(tmp_path: Path) -> None:
    lines = [
        json.dumps({"title": "Line One Story", "text": "One happened."}),
        '{"title": "Broken", "text": ',
        json.dumps({"title": "Line Three Story", "text": "Three happened."}),
    ]
    result = _batch(tmp_path, "feed.jsonl", "\n".join(lines).encode())
    message = _only_problem(result, "feed.jsonl")
    assert "feed.jsonl:2: expected one JSON object per line, got invalid JSON" in message
    assert "fix or remove that line" in message
    titles = [a.title for a in result.articles]
    assert "Line One Story" in titles and "Line Three Story" in titles
    _good_still_loaded(result)


def test_json_records_missing_title_or_text(tmp_path: Path) -> None:
    records = [{"title": "Kept Story", "text": "Kept."}, {"text": "No title."}, {"title": "No text", "text": "  "}, 7]
    result = _batch(tmp_path, "records.json", json.dumps(records).encode())
    messages = [p.message for p in result.problems]
    assert len(messages) == 3
    expected = "records.json record 2: expected string fields 'title' and 'text', got a record without 'title'"
    assert expected in messages[0]
    assert "without 'text'" in messages[1] and "add the missing fields" in messages[1]
    assert "record 4: expected a JSON object" in messages[2] and "got a JSON int" in messages[2]
    assert "Kept Story" in [a.title for a in result.articles]
    _good_still_loaded(result)


def test_invalid_json_document(tmp_path: Path) -> None:
    result = _batch(tmp_path, "bad.json", b'{"title": "x",\n "text": }')
    message = _only_problem(result, "bad.json:2")
    assert "expected valid JSON, got invalid JSON" in message and "fix the JSON syntax" in message


def test_bad_published_date_keeps_the_article_and_says_so(tmp_path: Path) -> None:
    record = {"title": "Dated Story", "text": "It happened.", "published": "sometime soon"}
    result = _batch(tmp_path, "dated.jsonl", json.dumps(record).encode())
    message = _only_problem(result, "dated.jsonl")
    assert "got 'sometime soon'; the article was indexed without a date" in message
    (dated,) = [a for a in result.articles if a.title == "Dated Story"]
    assert dated.published is None


def test_html_page_scripts_never_reach_the_text_and_empty_pages_are_reported(tmp_path: Path) -> None:
    content = b"<html><head><script>var x = 'SCRIPT';</script></head><body><script>alert(1)</script></body></html>"
    result = _batch(tmp_path, "scripts.html", content)
    message = _only_problem(result, "scripts.html")
    assert "expected an HTML page with article text, got no main text" in message
    assert all("SCRIPT" not in a.text and "alert" not in a.text for a in result.articles)
    _good_still_loaded(result)


def test_missing_path(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    result = load_articles([tmp_path / "nope", tmp_path / "good.txt"], FileLimits.uniform(1_000_000))
    message = _only_problem(result, "nope")
    assert "expected an existing file or folder, got nothing at that path; check the path" in message
    _good_still_loaded(result)


def test_folder_without_supported_files(tmp_path: Path) -> None:
    empty = tmp_path / "pdfs"
    empty.mkdir()
    (empty / "a.odt").write_bytes(b"PK\x03\x04")
    (empty / ".hidden.txt").write_text("Hidden", encoding="utf-8")
    result = load_articles([empty], FileLimits.uniform(1_000_000))
    message = _only_problem(result, "pdfs")
    assert "expected a folder with article files" in message and "got no supported files" in message
    assert result.articles == () and result.files_seen == ()


def test_explicit_unsupported_file(tmp_path: Path) -> None:
    pdf = tmp_path / "report.odt"
    pdf.write_bytes(b"PK\x03\x04")
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    result = load_articles([pdf, tmp_path / "good.txt"], FileLimits.uniform(1_000_000))
    message = _only_problem(result, "report.odt")
    assert "got a '.odt' file; convert it to one of these formats" in message
    assert [Path(p).name for p in result.files_seen] == ["good.txt"]
    _good_still_loaded(result)


def test_only_boilerplate_file(tmp_path: Path) -> None:
    result = _batch(tmp_path, "footer.txt", b"Site Headline Words\nPowered by WordPress\n| Home | About | Contact |\n")
    message = _only_problem(result, "footer.txt")
    assert "expected article text under the title, got nothing left" in message


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # chmod 0 does not stop root (CI), so the permission error is injected at open().
    locked = tmp_path / "locked.txt"
    locked.write_text(GOOD, encoding="utf-8")
    real_open = Path.open

    def deny(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(article_files.Path, "open", deny)
    (tmp_path / "good.txt").write_text(GOOD.replace("Good", "Other"), encoding="utf-8")
    result = load_articles([tmp_path], FileLimits.uniform(1_000_000))
    message = _only_problem(result, "locked.txt")
    assert "expected a readable article file, got PermissionError" in message and "check the file" in message
    assert [a.title for a in result.articles] == ["Other Story Headline Here"]


def test_a_crashing_parser_is_contained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(markup: str) -> None:
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(html_extract, "extract_html", boom)
    result = _batch(tmp_path, "page.html", b"<html><body><p>Text</p></body></html>")
    message = _only_problem(result, "page.html")
    assert "expected a readable article file, got RuntimeError: parser exploded" in message
    _good_still_loaded(result)
