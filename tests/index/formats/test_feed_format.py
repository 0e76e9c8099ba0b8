"""RSS and Atom feeds (index/formats/feeds.py): real feed-rs fixtures and generated edge cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from index.article_files import load_articles
from index.formats import Rejected
from index.formats.feeds import feed_articles, fragment_text
from newsrag.types import FileLimits

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "formats" / "feeds"
BODY = ("The city council voted on Tuesday to close the old harbour bridge to lorries from October, "
        "after engineers found cracks in two of its steel supports.")

RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Metro Daily Courier</title>
  <link>https://courier.example.org/</link>
  <item>
    <title>Harbour bridge closed to lorries</title>
    <link>https://courier.example.org/2023/09/bridge-closed/</link>
    <pubDate>Tue, 19 Sep 2023 23:30:00 -0500</pubDate>
    <description>A short teaser that the full content replaces.</description>
    <content:encoded><![CDATA[<p>{BODY}</p><script>track();</script>
      <p>Officials said the closure would last
      at least six months.</p><ul><li>Buses may still cross at reduced speed.</li></ul>]]></content:encoded>
  </item>
  <item>
    <title>Council explains the harbour plan</title>
    <link>https://courier.example.org/2023/09/harbour-plan</link>
    <description>&lt;p&gt;The council said the new plan would be put to a public vote next spring.&lt;/p&gt;
    </description>
  </item>
  <item>
    <link>https://courier.example.org/2023/09/empty</link>
  </item>
  <item>
    <title>Ferry timetable changes</title>
    <pubDate>sometime next week</pubDate>
    <description>Ferries will leave every twenty minutes while the bridge is closed, the operator said.</description>
    <source url="https://wire.example.net/rss">Example Wire</source>
  </item>
</channel>
</rss>
"""

ATOM_SUMMARIES = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Harbour News</title>
  <id>urn:example:harbour</id>
  <updated>2023-09-20T10:00:00Z</updated>
  <entry>
    <title>Bridge inspection report published</title>
    <link href="https://harbour.example.org/report"/>
    <id>urn:example:1</id>
    <updated>2023-09-20T09:00:00+02:00</updated>
    <summary>Engineers found cracks in two steel supports of the harbour bridge, the report says.</summary>
  </entry>
  <entry>
    <title>Lorry drivers plan protest</title>
    <link href="https://harbour.example.org/protest"/>
    <id>urn:example:2</id>
    <published>2023-09-18T22:00:00-04:00</published>
    <updated>2023-09-21T08:00:00Z</updated>
    <summary type="html">&lt;p&gt;Drivers said the detour would add twenty minutes to each delivery.&lt;/p&gt;</summary>
  </entry>
</feed>
"""


def test_real_atom_release_feed_gives_one_article_per_entry() -> None:
    path = SAMPLES / "feed-rs-releases.atom"
    parsed = feed_articles(path, path.read_bytes())
    assert [(a.part, a.title) for a in parsed.articles] == [(1, "0.2.0"), (2, "0.1.3"), (3, "0.1.1"), (4, "0.1.0")]
    first = parsed.articles[0]
    assert first.url == "https://github.com/feed-rs/feed-rs/releases/tag/v0.2.0"
    assert first.source == "Release notes from feed-rs"
    assert (first.published, first.published_origin) == (dt.date(2020, 1, 19), "feed-item")  # <updated> only
    assert first.text.startswith("A range of maintenance work, including:\nmigrate to Rust 2018 edition")
    assert "&lt;" not in first.text and "<p>" not in first.text
    assert parsed.problems == () and parsed.notes == ()


def test_real_rss_item_with_empty_content_keeps_its_summary_and_says_so() -> None:
    path = SAMPLES / "matrix-blog.rss"
    parsed = feed_articles(path, path.read_bytes())
    (article,) = parsed.articles
    assert article.title == "This Week in Matrix 2022-09-23" and article.source == "matrix.org"
    assert article.text.startswith("Matrix Live Dept of Social Good")  # the summary, exactly as the feed gave it
    assert article.text.endswith("Human-Computer…")
    assert (article.published, article.part) == (dt.date(2022, 9, 23), 1)
    (note,) = parsed.notes
    assert note.message == (f"{path}: 1 of 1 items had only a summary, indexed as it is; "
                            "index their pages (at the items' links) for the full stories")


def test_rss_content_encoded_wins_over_the_teaser_and_html_becomes_lines() -> None:
    parsed = feed_articles(Path("courier.rss"), RSS.encode())
    bridge = parsed.articles[0]
    assert bridge.title == "Harbour bridge closed to lorries"
    assert bridge.text.split("\n") == [BODY, "Officials said the closure would last at least six months.",
                                       "Buses may still cross at reduced speed."]
    assert bridge.url == "https://courier.example.org/2023/09/bridge-closed/"
    assert bridge.source == "Metro Daily Courier"
    assert (bridge.published, bridge.published_origin) == (dt.date(2023, 9, 19), "feed-item")  # the feed's own day


def test_rss_items_without_date_without_text_and_with_a_bad_date() -> None:
    parsed = feed_articles(Path("courier.rss"), RSS.encode())
    assert [(a.part, a.title) for a in parsed.articles] == [
        (1, "Harbour bridge closed to lorries"), (2, "Council explains the harbour plan"),
        (3, "Ferry timetable changes")]
    plan, ferry = parsed.articles[1], parsed.articles[2]
    assert plan.text == "The council said the new plan would be put to a public vote next spring."
    assert (plan.published, plan.published_origin) == (None, None)  # undated: nothing guessed
    assert ferry.source == "Example Wire"  # the item's own <source> names its outlet
    assert ferry.published is None
    empty, bad_date = parsed.problems
    assert empty.message == ("courier.rss item 3: expected a feed item with a title or text, "
                             "got an item with neither; the other items were indexed")
    assert bad_date.message.startswith("courier.rss item 4 ('Ferry timetable changes'): expected published as")
    assert "'sometime next week'" in bad_date.message
    (note,) = parsed.notes
    assert "2 of 3 items had only a summary" in note.message


def test_atom_summaries_only() -> None:
    parsed = feed_articles(Path("harbour.atom"), ATOM_SUMMARIES.encode())
    report, protest = parsed.articles
    assert report.text == "Engineers found cracks in two steel supports of the harbour bridge, the report says."
    assert (report.published, report.source) == (dt.date(2023, 9, 20), "Harbour News")  # updated, none published
    assert protest.published == dt.date(2023, 9, 18)  # published before updated, on the feed's own clock
    assert protest.text == "Drivers said the detour would add twenty minutes to each delivery."
    assert "2 of 2 items had only a summary" in parsed.notes[0].message


def test_a_slightly_malformed_feed_with_items_is_read_and_noted() -> None:
    broken = RSS.replace("<title>Metro Daily Courier</title>", "<title>Metro &nbsp; Courier</title>")
    parsed = feed_articles(Path("courier.rss"), broken.encode())
    assert len(parsed.articles) == 3
    assert any("read despite malformed XML" in n.message for n in parsed.notes)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"Just some notes, not a feed at all.\n",
      "expected an RSS or Atom feed, got text that is not XML (syntax error: line 1, column 0)"),
     (b'{"title": "a JSON file"}', "expected an RSS or Atom feed, got text that is not XML"),
     (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>x</loc></url></urlset>',
      "expected an RSS or Atom feed, got XML whose root element is <urlset>; save the site's RSS or Atom feed"),
     (b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>',
      "expected an RSS or Atom feed with items, got an empty feed"),
     (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Quiet</title></feed>',
      "expected an RSS or Atom feed with items, got an empty feed"),
     (b"<rss><channel><item><link>https://x.example/a</link></item></channel></rss>",
      "expected a feed with at least one item with text, got 1 item without any")],
)
def test_a_file_that_is_no_usable_feed_is_rejected(content: bytes, message: str) -> None:
    with pytest.raises(Rejected, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        feed_articles(Path("bad.xml"), content)


def test_the_loader_reads_feeds_by_suffix_and_reports_a_bad_one(tmp_path: Path) -> None:
    (tmp_path / "courier.rss").write_text(RSS, encoding="utf-8")
    (tmp_path / "harbour.atom").write_text(ATOM_SUMMARIES, encoding="utf-8")
    (tmp_path / "notes.xml").write_text("<notes><note>call the council</note></notes>", encoding="utf-8")
    result = load_articles([tmp_path], FileLimits.uniform(1_000_000))
    assert len(result.articles) == 5
    assert {Path(a.source_path).name for a in result.articles} == {"courier.rss", "harbour.atom"}
    bad = [p.message for p in result.problems if "notes.xml" in p.path]
    assert bad == [f"{(tmp_path / 'notes.xml').resolve()}: expected an RSS or Atom feed, "
                   "got XML whose root element is <notes>; save the site's RSS or Atom feed itself (its feed link), "
                   "or save the pages as HTML"]


def test_fragment_text_keeps_blocks_as_lines_and_drops_scripts() -> None:
    html = "<div><h2>Head</h2><p>One <b>bold</b>\n  word.</p><style>p{}</style><br>Two &amp; three</div>"
    assert [ln.strip() for ln in fragment_text(html).split("\n") if ln.strip()] == [
        "Head", "One bold word.", "Two & three"]
    assert fragment_text("x < y & z", "text/plain") == "x < y & z"
