"""Loading each supported format, folder walking, ordering and id stability."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from index.article_files import LoadResult, discover_files, load_articles
from index.formats import parse_published
from index.ids import article_id, chunk_id
from newsrag.types import Article, FileLimits

MB = 1_000_000
BODY = (
    "TEHRAN (Dispatches) -- Iran set a deadline of September 19 for the regional government to act.\n"
    "Officials said the border agreement would be reviewed by both sides in the coming weeks."
)


def _load(*paths: Path) -> LoadResult:
    return load_articles(list(paths), FileLimits.uniform(MB))


def test_seed_folder_loads_six_articles_in_path_order(seeds_dir: Path) -> None:
    result = _load(seeds_dir)
    assert result.problems == ()
    assert [(Path(a.source_path).name[:3], a.part) for a in result.articles] == [
        ("000", 0), ("001", 1), ("001", 2), ("002", 0), ("003", 0), ("004", 0),
    ]  # fmt: skip
    assert len(result.files_seen) == 5
    assert all(Path(p).is_absolute() for p in result.files_seen)
    assert len({a.id for a in result.articles}) == 6
    by_name = {Path(a.source_path).name[:3]: a for a in result.articles}
    assert by_name["003"].source == "Tehrantimes" and by_name["003"].dateline == "TEHRAN (Iran News)"
    assert by_name["000"].dateline == "TEHRAN (Dispatches)"


def test_every_article_text_is_trimmed_with_no_duplicate_lines(seeds_dir: Path) -> None:
    for article in _load(seeds_dir).articles:
        assert article.text == article.text.strip() and article.text
        lines = article.text.split("\n")
        assert len(lines) == len(set(lines))


def test_txt_file(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text("Deadline Set for Border Action\n\n" + BODY + "\n", encoding="utf-8")
    (article,) = _load(path).articles
    assert article.title == "Deadline Set for Border Action"
    assert article.dateline == "TEHRAN (Dispatches)"
    assert article.text.startswith("Iran set a deadline of September 19")
    assert article.source_path == str(path.resolve())
    assert article.part == 0 and article.url is None


def test_markdown_heading_links_and_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_text(
        "---\nurl: https://example.com/story\npublished: 2023-09-20\nsource: Example News\n---\n"
        "# Border Deadline Passes\n\n"
        "Iran set a [deadline](https://example.com/d) of **September 19** for action.\n\n"
        "![photo](https://example.com/p.jpg)\n"
        "## Reaction\n"
        "Officials [said][1] the agreement would be reviewed.\n\n"
        "[1]: https://example.com/said\n",
        encoding="utf-8",
    )
    (article,) = _load(path).articles
    assert article.title == "Border Deadline Passes"
    assert article.text == (
        "Iran set a deadline of September 19 for action.\nReaction\nOfficials said the agreement would be reviewed."
    )
    assert article.url == "https://example.com/story"
    assert article.source == "Example News"
    assert article.published == dt.date(2023, 9, 20)


def test_html_uses_trafilatura_metadata_and_drops_script_and_style(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    paragraphs = "".join(
        f"<p>{sentence} The talks about the shared border continued for several hours on {day}.</p>"
        for sentence, day in (
            ("TEHRAN (Dispatches) -- Iran set a deadline of September 19 for the regional government.", "Monday"),
            ("Officials said the agreement would be reviewed by both sides.", "Tuesday"),
            ("Diplomats expected a further round of meetings in Baghdad.", "Wednesday"),
        )
    )
    path.write_text(
        "<html><head><title>Deadline Set - Example News</title>"
        '<meta property="og:site_name" content="Example News">'
        '<meta property="og:title" content="Deadline Set for Border Action">'
        '<meta name="date" content="2023-09-20">'
        '<link rel="canonical" href="https://example.com/a/1">'
        '<script>var SECRET_SCRIPT = "do not index";</script><style>.x{color:red} /* STYLE_TEXT */</style>'
        '</head><body><nav><a href="/">Home</a> | <a href="/w">World</a> | <a href="/b">Business</a></nav>'
        f"<article><h1>Deadline Set for Border Action</h1>{paragraphs}"
        '<script>document.write("INLINE_SCRIPT")</script></article>'
        "<footer>Copyright 2023 Example News. All rights reserved.</footer></body></html>",
        encoding="utf-8",
    )
    (article,) = _load(path).articles
    assert article.title == "Deadline Set for Border Action"
    assert article.source == "Example News"
    assert article.published == dt.date(2023, 9, 20)
    assert article.url == "https://example.com/a/1"
    assert article.dateline == "TEHRAN (Dispatches)"
    assert article.text.startswith("Iran set a deadline of September 19")
    for leaked in ("SECRET_SCRIPT", "INLINE_SCRIPT", "STYLE_TEXT", "color:red", "All rights reserved", "Home"):
        assert leaked not in article.text, leaked
    assert "Diplomats expected a further round" in article.text


def test_jsonl_records_with_metadata(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    records = [
        {"title": "First Story", "text": BODY, "url": "https://x.org/1", "source": "X", "published": "2023-09-19"},
        {"title": "Second Story", "text": "Talks resumed on Monday.", "published": "September 21, 2023"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n\n", encoding="utf-8")
    first, second = _load(path).articles
    assert (first.title, first.url, first.source, first.published) == (
        "First Story", "https://x.org/1", "X", dt.date(2023, 9, 19),
    )  # fmt: skip
    assert first.dateline == "TEHRAN (Dispatches)"
    assert (second.title, second.published, second.part) == ("Second Story", dt.date(2023, 9, 21), 2)
    assert first.part == 1


def test_json_object_and_list(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(json.dumps({"title": "Lone Story", "text": "It happened."}), encoding="utf-8")
    (tmp_path / "many.json").write_text(
        json.dumps([{"title": "A Story", "text": "A happened."}, {"title": "B Story", "text": "B happened."}]),
        encoding="utf-8",
    )
    result = _load(tmp_path)
    assert [(a.title, a.part) for a in result.articles] == [("A Story", 1), ("B Story", 2), ("Lone Story", 0)]
    assert result.problems == ()


def test_folders_are_walked_recursively_skipping_hidden_and_unsupported(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    (tmp_path / "a" / "b" / "deep.txt").write_text("Deep Story Title Here\nIt happened.", encoding="utf-8")
    (tmp_path / ".git" / "x.txt").write_text("Hidden Folder Story\nNo.", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("Hidden File Story\nNo.", encoding="utf-8")
    (tmp_path / "notes.odt").write_bytes(b"PK\x03\x04 binary")
    (tmp_path / "top.txt").write_text("Top Story Title Here\nIt happened too.", encoding="utf-8")
    result = _load(tmp_path)
    assert [a.title for a in result.articles] == ["Deep Story Title Here", "Top Story Title Here"]
    assert result.problems == ()  # the .odt inside a folder is skipped silently
    assert [Path(p).name for p in result.files_seen] == ["deep.txt", "top.txt"]
    assert [str(p) for p in discover_files([tmp_path])] == list(result.files_seen)


def test_same_content_in_two_files_is_one_article_first_path_wins(tmp_path: Path) -> None:
    text = "Same Story Everywhere\n" + BODY
    (tmp_path / "b.txt").write_text(text, encoding="utf-8")
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    result = _load(tmp_path)
    (article,) = result.articles
    assert Path(article.source_path).name == "a.txt"
    assert len(result.files_seen) == 2  # both files were considered


def test_ids_survive_a_moved_folder_and_change_with_the_text(tmp_path: Path, seeds_copy: Path) -> None:
    before = [a.id for a in _load(seeds_copy).articles]
    moved = shutil.move(str(seeds_copy), str(tmp_path / "elsewhere" / "renamed"))
    after = _load(Path(moved)).articles
    assert [a.id for a in after] == before
    target = sorted(Path(moved).glob("000_*.txt"))[0]
    target.chmod(0o644)
    target.write_text(target.read_text(encoding="utf-8").replace("45 days", "46 days"), encoding="utf-8")
    edited = [a.id for a in _load(Path(moved)).articles]
    assert edited[0] != before[0] and edited[1:] == before[1:]


def test_id_helpers() -> None:
    base = article_id("Title", "Body text.", "https://Example.com/a/")
    assert len(base) == 16 and int(base, 16) >= 0
    assert article_id("Title", "Body  text.\n", "https://example.com/a") == base  # whitespace, url form
    assert article_id("Title", "Body text!", "https://example.com/a") != base
    assert article_id("Other", "Body text.", "https://example.com/a") != base
    assert article_id("Title", "Body text.", "https://example.com/b") != base
    assert chunk_id(base, 3) == f"{base}-0003"
    with pytest.raises(ValueError):
        chunk_id(base, -1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-09-19", dt.date(2023, 9, 19)),
        ("2023-09-19T10:30:00Z", dt.date(2023, 9, 19)),
        ("September 19, 2023", dt.date(2023, 9, 19)),
        ("Sep 19, 2023", dt.date(2023, 9, 19)),
        ("Sept. 19, 2023", dt.date(2023, 9, 19)),
        ("19 September 2023", dt.date(2023, 9, 19)),
        ("November 25th, 2022", dt.date(2022, 11, 25)),
        ("2023/09/19", dt.date(2023, 9, 19)),
        ("Tue, 19 Sep 2023 10:00:00 GMT", dt.date(2023, 9, 19)),
    ],
)
def test_parse_published(value: str, expected: dt.date) -> None:
    assert parse_published(value) == expected


def test_parse_published_rejects_non_dates() -> None:
    for bad in ("yesterday", "", 2023, None):
        with pytest.raises(ValueError):
            parse_published(bad)


# ------------------------------------------------------------------------------ publication dates


def _one(tmp_path: Path, name: str, content: str) -> Article:
    (tmp_path / name).write_text(content, encoding="utf-8")
    result = load_articles([tmp_path / name], FileLimits.uniform(10**6))
    assert result.problems == ()
    (article,) = result.articles
    return article


def test_every_stated_date_is_taken_with_its_origin(tmp_path: Path) -> None:
    body = "The council approved the budget after a long debate. " * 3
    md = _one(tmp_path, "a.md", f"---\ntitle: Budget passes\ndate: 2023-09-19\n---\n{body}")
    assert (md.published, md.published_origin) == (dt.date(2023, 9, 19), "front-matter")
    record = {"title": "Budget passes", "text": body, "published": "2023-09-20"}
    js = _one(tmp_path, "b.jsonl", json.dumps(record) + "\n")
    assert (js.published, js.published_origin) == (dt.date(2023, 9, 20), "json-field")
    html = _one(tmp_path, "c.html", '<html><head><meta property="article:published_time" content="2023-09-21">'
                f"<title>Budget passes</title></head><body><article><h1>Budget passes</h1><p>{body}</p>"
                "</article></body></html>")
    assert (html.published, html.published_origin) == (dt.date(2023, 9, 21), "html-metadata")


@pytest.mark.parametrize("top", [
    "Published: 19 September 2023",
    "By Jane Roe | Sept. 19, 2023",
    "Updated September 19, 2023",
])
def test_a_dated_byline_line_gives_a_plain_text_story_its_date(tmp_path: Path, top: str) -> None:
    article = _one(tmp_path, "story.txt", f"Budget passes after long debate\n{top}\nThe council approved "
                   "the budget on Saturday after a long debate about schools and roads.\n")
    assert (article.published, article.published_origin) == (dt.date(2023, 9, 19), "dateline")


def test_a_dated_dateline_gives_the_date(tmp_path: Path) -> None:
    article = _one(tmp_path, "wire.txt", "Budget passes after long debate\nWASHINGTON, Sept. 19, 2023 (AP) -- The "
                   "council approved the budget on Saturday after a long debate about schools and roads.\n")
    assert (article.published, article.published_origin) == (dt.date(2023, 9, 19), "dateline")


@pytest.mark.parametrize("text", [
    # a sentence that mentions a date is not a byline
    "Budget passes\nThe council said the budget approved on September 19, 2023 would fund schools and roads.\n",
    # a dateline without a year: nothing is guessed
    "Budget passes\nWASHINGTON, Sept. 19 (AP) -- The council approved the budget after a long debate.\n",
    "Budget passes\nThe council approved the budget after a long debate about schools and roads.\n",
])
def test_no_date_is_guessed_for_a_story_that_states_none(tmp_path: Path, text: str) -> None:
    article = _one(tmp_path, "story.txt", text)
    assert (article.published, article.published_origin) == (None, None)


def test_the_seeds_state_no_publication_date(seeds_dir: Path) -> None:
    assert all(a.published is None and a.published_origin is None
               for a in load_articles([seeds_dir], FileLimits.uniform(10**6)).articles)


def test_an_html_page_that_states_no_date_is_not_dated_from_its_text(tmp_path: Path) -> None:
    """A year in the text ("the 2024 budget") is not a publication date; a <time> in the markup is."""
    body = ("<article><h1>Council budget vote</h1>{stamp}<p>The council discussed the 2024 budget at length "
            "today and agreed to spend more on roads and schools.</p><p>Members voted twelve to three for the "
            "plan, which the mayor called fair to everyone in the town.</p></article>")
    (tmp_path / "undated.html").write_text(f"<html><body>{body.format(stamp='')}</body></html>", encoding="utf-8")
    stamped = body.format(stamp='<time datetime="2023-05-02">2 May 2023</time>')
    (tmp_path / "dated.html").write_text(f"<html><body>{stamped}</body></html>", encoding="utf-8")
    by_file = {Path(a.source_path).name: a for a in _load(tmp_path).articles}
    assert by_file["undated.html"].published is None and by_file["undated.html"].published_origin is None
    assert by_file["dated.html"].published == dt.date(2023, 5, 2)
    assert by_file["dated.html"].published_origin == "html-metadata"
