"""The pure parts of ui/: HTML rendering, upload names, settings-panel parsing, handlers.

Runs against `FakeAssistant` (tests/ui/conftest.py): no model, no index, no browser.
Safety is checked by parsing the produced HTML and asserting that only the tags this
module writes appear and no attribute is an event handler, whatever the article says.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings as hyp_settings, strategies as st

from newsrag.errors import InputError
from newsrag.settings import Settings
from newsrag.types import FileLimits, FileMessage, IndexReport, Turn
from tests.ui.conftest import HOSTILE, FakeAssistant
from ui import panels, render
from ui.handlers import ChatHandlers
from ui.options import build_options
from ui.state import ChatPage
from ui.uploads import safe_upload_name, save_uploads

OUR_TAGS = {
    "span", "strong", "div", "mark", "details", "summary", "ul", "ol", "li", "table", "thead",
    "tbody", "tr", "th", "td",
}  # fmt: skip


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def parse(html_text: str) -> TagCollector:
    collector = TagCollector()
    collector.feed(html_text)
    return collector


def assert_inert(html_text: str) -> None:
    parsed = parse(html_text)
    for tag, attrs in parsed.tags:
        assert tag in OUR_TAGS, f"unexpected <{tag}> in rendered HTML"
        for name, _ in attrs:
            assert not name.startswith("on"), f"event handler attribute {name} on <{tag}>"
            assert name not in {"href", "src", "style"}


def marks(html_text: str) -> list[str]:
    """Text inside each <mark> element."""
    out, depth, buf = [], 0, []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            nonlocal depth
            if tag == "mark":
                depth += 1

        def handle_endtag(self, tag):
            nonlocal depth
            if tag == "mark":
                depth -= 1
                out.append("".join(buf))
                buf.clear()

        def handle_data(self, data):
            if depth:
                buf.append(data)

    P(convert_charrefs=True).feed(html_text)
    return out


@pytest.fixture
def assistant() -> FakeAssistant:
    return FakeAssistant()


# ----------------------------------------------------------------------------- answers


def test_answer_keeps_markers_and_marks_unsupported_sentence(assistant):
    answer = assistant.ask("What was the September 19 deadline?")
    out = render.answer_html(answer)
    assert_inert(out)
    assert out.count('class="nr-cite"') == 2
    assert "[1]" in out and "[2]" in out
    # the failed sentence is marked and its reason is in the hover title
    unsupported = [a for t, a in parse(out).tags if ("class", "nr-sentence nr-unsupported") in a]
    assert len(unsupported) == 1
    assert "October 30" in dict(unsupported[0])["title"]
    assert "1 sentence marked" in out


def test_short_answer_is_bold_once_inside_its_sentence(assistant):
    import dataclasses

    answer = assistant.ask("What was the September 19 deadline?")
    first = answer.sentences[0].text
    short = next(w for w in first.split() if len(w) > 3 and w.isalpha())
    out = render.answer_html(dataclasses.replace(answer, short=short))
    assert_inert(out)
    assert out.count('<strong class="nr-short">') == 1 and f'<strong class="nr-short">{short}</strong>' in out
    assert "nr-short" not in render.answer_html(dataclasses.replace(answer, short=None))


def test_refusal_is_distinct_and_points_to_closest_passages(assistant):
    answer = assistant.ask("What was the October 3 deadline?")
    out = render.answer_html(answer)
    assert 'class="nr-refusal"' in out and "nr-answer" not in out
    panel = render.sources_html(answer, assistant.article)
    assert "Not answered" in panel
    assert panel.count('class="nr-card nr-closest"') == len(answer.passages)
    assert_inert(panel)


def test_hostile_article_and_question_render_as_text(assistant):
    answer = assistant.ask("hostile?")
    for out in (
        render.answer_html(answer),
        render.sources_html(answer, assistant.article),
        panels.why_html(answer),
        panels.status_html(assistant.status()),
        render.question_html(HOSTILE),
        render.streaming_html(HOSTILE),
    ):
        assert_inert(out)
        assert "<script" not in out and "<img" not in out
    # the hostile text is still shown to the reader, as text
    assert "<script>window.__pwned=1</script>" in "".join(parse(render.answer_html(answer)).text)


def test_sources_highlight_cited_sentence_in_passage_and_article(assistant):
    answer = assistant.ask("What was the September 19 deadline?")
    panel = render.sources_html(answer, assistant.article)
    assert_inert(panel)
    highlighted = marks(panel)
    first = answer.citations[0]
    # passage highlight and whole-article highlight, both exactly the cited sentence
    assert highlighted.count(first.quote) == 2
    assert "September 19" in highlighted[0]
    assert "Iran News · TEHRAN (Iran News) · 2023-10-02" in "".join(parse(panel).text)
    assert "deadline.txt" in panel and "/data/seeds" not in panel
    assert panel.count("<details") == 2
    assert "Not supported by the cited passages" in panel and "October 30" in panel


def test_article_view_highlights_at_the_citation_offsets():
    from tests.ui.conftest import cite, make_article

    text = "Same words. Other text. Same words. End."
    article = make_article("a", "T", text)
    second = cite(1, article, "Same words.")
    second = type(second)(**{**second.__dict__, "start": 24, "end": 35})  # the second occurrence
    out = render.article_html(article, second)
    assert out.index("<mark") > out.index("Other text")


def test_quote_not_in_passage_is_still_shown(assistant):
    answer = assistant.ask("What was the September 19 deadline?")
    c = answer.citations[0]
    moved = type(c)(**{**c.__dict__, "passage": "unrelated text"})
    out = render.citation_card(moved, None)
    assert marks(out) == [c.quote]


def test_why_view_shows_query_scores_and_timings(assistant):
    first = assistant.ask("What was the September 19 deadline?")
    follow = assistant.ask("And who set it?", [Turn(first.question, first.text)])
    out = panels.why_html(follow)
    assert_inert(out)
    assert "What was the September 19 deadline? / And who set it?" in out
    assert out.count("<tr>") == 1 + len(follow.passages)
    assert "0.900" in out and "retrieve 12 ms" in out
    assert "1 of 2 sentences not supported" in out


def test_status_and_report():
    status = FakeAssistant().status()
    out = panels.status_html(status)
    assert 'data-articles="2"' in out and "2024-01-02 03:04:05" in out
    problem = FileMessage("/srv/x/bad<b>.json", "/srv/x/bad<b>.json:1: expected JSON, got <b>")
    report = IndexReport(1, 0, 5, 0, 9, 2, 0.5, problems=(problem,))
    out = panels.report_html(report, [FileMessage("a.pdf", "expected one of .txt")], ["ok.txt"])
    assert_inert(out)
    assert "1 added" in out and "2 files could not be used" in out and "bad&lt;b&gt;.json:1: expected" in out
    assert "/srv/x" not in out  # server folders are not shown to the browser


# ----------------------------------------------------------------------------- uploads


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("/abs/path/story.TXT", "story.txt"),
        ("..", None),
        ("...", None),
        (".hidden.md", "hidden.md"),
        ("my story (final).html", "my_story_final_.html"),
        ("a\x00b.txt", "ab.txt"),
        ("ünïcode.json", "n_code.json"),
    ],
)
def test_safe_upload_name(sent, expected):
    assert safe_upload_name(sent) == expected


@hyp_settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_safe_upload_name_never_leaves_the_folder(name):
    safe = safe_upload_name(name)
    if safe is not None:
        assert "/" not in safe and "\\" not in safe and "\x00" not in safe
        assert not safe.startswith(".") and safe not in {".", ".."}
        assert 0 < len(safe) <= 120


def test_save_uploads_refuses_bad_files_and_keeps_good_ones(tmp_path):
    src = tmp_path / "incoming"
    src.mkdir()
    good = src / "good.txt"
    good.write_text("Title\nBody text.")
    big = src / "big.txt"
    big.write_text("x" * 2000)
    exe = src / "evil.exe"
    exe.write_text("MZ")
    empty = src / "empty.md"
    empty.write_text("")
    dest = tmp_path / "data" / "uploads"
    result = save_uploads(
        [("../../good.txt", good), ("big.txt", big), ("evil.exe", exe), ("empty.md", empty), ("..", good)],
        dest,
        FileLimits.uniform(1000),
    )
    assert [p.name for p in result.paths] == ["good.txt"]
    assert result.paths[0].parent == dest.resolve()
    assert sorted(p.path for p in result.problems) == sorted(["big.txt", "evil.exe", "empty.md", ".."])
    messages = " ".join(p.message for p in result.problems)
    assert "expected a file of at most 1,000 bytes, got 2,000 bytes" in messages
    assert ".exe" in messages and "empty file" in messages
    assert not (tmp_path / "good.txt").exists()
    assert sorted(p.name for p in dest.iterdir()) == ["good.txt"]


# ----------------------------------------------------------------------------- options


def test_defaults_leave_options_unset():
    s = Settings()
    options = build_options(s, answerer="offline", top_k=s.top_k, strict=s.strict, sources="", date_from="", date_to="")
    assert options.top_k is None and options.answerer is None and options.strict is None
    assert options.filter.empty


def test_options_carry_changes_and_refuse_bad_input():
    s = Settings()
    options = build_options(s, top_k=3, strict=True, sources="Tehran Times, iran news", date_from="2023-01-01")
    assert options.top_k == 3 and options.strict is True
    assert options.filter.sources == ("Tehran Times", "iran news")
    assert options.filter.date_from == dt.date(2023, 1, 1)
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        build_options(s, date_to="yesterday")
    with pytest.raises(InputError, match="start date before"):
        build_options(s, date_from="2024-01-02", date_to="2024-01-01")
    with pytest.raises(InputError, match="LLM"):
        build_options(s, answerer="llm")


def test_the_panel_offers_an_llm_exactly_when_the_settings_configure_one():
    from ui.options import answerer_choices

    assert answerer_choices(Settings()) == ("offline",)
    with_url = Settings(llm_base_url="http://127.0.0.1:9/v1")
    assert answerer_choices(with_url) == ("offline", "llm")
    # offline stays the default, so only choosing "llm" is sent with the question
    assert build_options(with_url, answerer="offline").answerer is None
    assert build_options(with_url, answerer="llm").answerer == "llm"
    assert build_options(Settings(answerer="openai", llm_base_url="http://x/v1"), answerer="llm").answerer is None


# ----------------------------------------------------------------------------- handlers


def run_respond(handlers: ChatHandlers, question: str, conv: ChatPage | None):
    return list(handlers.respond(question, conv, "offline", 6, False, "", "", ""))


def test_respond_streams_then_keeps_the_turn(assistant, tmp_path):
    handlers = ChatHandlers(assistant, Settings(data_dir=tmp_path))
    steps = run_respond(handlers, "What was the September 19 deadline?", ChatPage())
    assert len(steps) >= 3  # placeholder, deltas, final
    assert "nr-streaming" in steps[1][0][-1]["content"]
    chat, conv, sources, why, _ = steps[-1]
    assert [m["role"] for m in chat] == ["user", "assistant"]
    assert "nr-cite" in chat[-1]["content"]
    assert len(conv.conversation.turns) == 1 and "September 19" in sources
    # the follow-up sees the first turn as history
    run_respond(handlers, "And who set it?", conv)
    assert assistant.calls[-1][1] == conv.conversation.turns
    assert handlers.new_chat()[1] == ChatPage()


def test_respond_reports_bad_filter_without_calling_the_assistant(assistant, tmp_path):
    handlers = ChatHandlers(assistant, Settings(data_dir=tmp_path))
    with pytest.warns(UserWarning, match="YYYY-MM-DD"):  # gr.Warning: a toast in the page
        steps = list(handlers.respond("q?", ChatPage(), "offline", 6, False, "", "not a date", ""))
    assert steps[-1][1] == ChatPage() and assistant.calls == []


def test_respond_shows_errors_as_a_bubble_and_keeps_history(tmp_path):
    class Broken(FakeAssistant):
        def stream(self, question, history=(), options=None):
            yield "partial "
            raise RuntimeError("backend exploded")

    handlers = ChatHandlers(Broken(), Settings(data_dir=tmp_path))
    chat, conv, *_ = run_respond(handlers, "What?", ChatPage())[-1]
    assert "backend exploded" in chat[-1]["content"] and "nr-error" in chat[-1]["content"]
    assert conv.conversation.turns == ()


def test_upload_saves_indexes_refreshes_and_reports(assistant, tmp_path):
    seen: list[list[Path]] = []

    def index_files(paths, progress):
        seen.append(list(paths))
        return IndexReport(len(paths), 0, 0, 0, 3, 3, 0.1)

    handlers = ChatHandlers(assistant, Settings(data_dir=tmp_path / "data"), index_files)
    good = tmp_path / "story.md"
    good.write_text("# A story\nText.")
    bad = tmp_path / "notes.odt"
    bad.write_bytes(b"PK")
    report, status, _ = handlers.upload([str(good), str(bad)], progress=None)
    assert seen == [[(tmp_path / "data" / "uploads" / "story.md").resolve()]]
    assert assistant.refreshed == 1
    assert "1 added" in report and "notes.odt" in report and "1 file could not be used" in report
    assert 'data-articles="2"' in status
