"""Evaluation reports stay inert whatever the questions, answers and articles say.

Every free-text field of a report (question, expected and given answer, cited passage,
error, item id, category, notes, configuration) carries HTML/JS payloads, Markdown link
and image injection, raw URLs and table-breaking pipes. report.md is rendered with a
CommonMark + tables renderer that passes raw HTML through (as GitHub-style viewers may):
the result must hold no script, link, handler attribute or injected image, and every
table row must keep its columns. report.json must give back the exact strings and hold
no raw `<`, so it stays inert even when pasted into an HTML page.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import markdown_it
from hypothesis import given, settings as hyp_settings, strategies as st

from evals.configs import EvalConfig
from evals.metrics import QuestionScore, summarize
from evals.report import ConfigResult, EvalReport, render_markdown, write_report

PAYLOADS = (
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "<a href=javascript:alert(1)>click</a>",
    "[click](javascript:alert(1))",
    "![x](http://evil.example/t.png)",
    "[ref][1]\n\n[1]: http://evil.example",
    "<http://evil.example>",
    "http://evil.example/path www.evil.example",
    "a | b || c \\| d",
    "`code` **bold** _em_ # heading",
    "&lt;script&gt; &#60;script&#62;",
    "line one\nline two\r\n| --- |",
    "<!-- comment --> <style>body{}</style> <iframe src=x></iframe>",
)
HOSTILE = " ".join(PAYLOADS)


def _score(text: str, n: int) -> QuestionScore:
    return QuestionScore(
        item_id=f"q{n} {text[:30]}", category=f"cat {text[:20]}", answerable=True, question=text,
        expected=text, retrieval_measured=True, relevance=(False, True), answered=True, got=text,
        correct=False, f1=0.1, citation_ok=(False,), sentence_cites=(1,), sentence_supported=(False,),
        cited_passage=text, latency_ms=12.0, answerer="offline", notes=(text,), error=text if n % 2 else "",
    )


def _report(texts: list[str]) -> EvalReport:
    scores = tuple(_score(t, n) for n, t in enumerate(texts))
    config = EvalConfig(f"hybrid {texts[0][:40]}", f"desc {texts[0]}", "assistant", "hybrid", answerer="offline")
    result = ConfigResult(config, summarize(scores), scores, seconds=1.0, note=f"note {texts[0]}")
    return EvalReport(
        questions_path=f"/q/{texts[0][:20]}.jsonl", articles=f"/a/{texts[0]}", composition=((texts[0][:20], 1),),
        results=(result,), created="2024-01-01T00:00:00", notes=tuple(texts[:3]),
    )


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.rows: list[int] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.rows.append(0)
        if tag in ("td", "th"):
            self.rows[-1] += 1

    def handle_data(self, data):
        self.text.append(data)


SAFE_TAGS = {"h1", "h2", "h3", "p", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "img", "br"}


def assert_markdown_inert(md: str, plots: tuple[str, ...] = ()) -> _Html:
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    parsed = _Html()
    parsed.feed(html)
    for tag, attrs in parsed.tags:
        assert tag in SAFE_TAGS, f"<{tag}> in the rendered report"
        assert not any(name.startswith("on") or name in ("href", "style") for name in attrs), (tag, attrs)
        if tag == "img":
            assert attrs.get("src") in plots, f"injected image {attrs}"
    # a table's rows all have the header's number of cells: no pipe split a cell
    tables = md.count("\n|---")
    assert tables >= 2
    return parsed


def test_markdown_report_renders_hostile_text_as_text(tmp_path: Path) -> None:
    report = write_report(_report(list(PAYLOADS) + [HOSTILE]), tmp_path)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    parsed = assert_markdown_inert(md, plots=("metrics.png", "latency.png"))
    text = "".join(parsed.text)
    assert "<script>window.__pwned=1</script>" in text, "the payload is shown, as text"
    assert "javascript:alert(1)" in text
    assert "http://evil" not in text and "http[:]//evil.example" in text  # links are defanged
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    assert "<table>" in html
    widths = _row_widths(html)
    assert widths and all(len(set(w)) == 1 for w in widths), f"a pipe split a table cell: {widths}"
    assert report.files and all(Path(f).exists() for f in report.files)


def _row_widths(html: str) -> list[list[int]]:
    """Cells per row, table by table."""
    out = []
    for table in html.split("<table>")[1:]:
        parsed = _Html()
        parsed.feed("<table>" + table.split("</table>")[0])
        out.append(parsed.rows)
    return out


def test_json_report_keeps_the_exact_strings_and_no_raw_markup(tmp_path: Path) -> None:
    write_report(_report([HOSTILE, "\u2028\u2029 </script><script>x</script>"]), tmp_path)
    raw = (tmp_path / "report.json").read_text(encoding="utf-8")
    assert "<" not in raw and ">" not in raw and "\u2028" not in raw
    data = json.loads(raw)
    scores = data["results"][0]["scores"]
    assert scores[0]["question"] == HOSTILE and scores[0]["cited_passage"] == HOSTILE
    assert scores[1]["got"] == "\u2028\u2029 </script><script>x</script>"
    assert data["notes"][0] == HOSTILE


@hyp_settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=80), st.lists(st.sampled_from(PAYLOADS), max_size=4).map("".join),
                          st.text(alphabet="<>|[]()!*_`#&;:/\\\n\r\t \"'=xhtp.", max_size=60)),
                min_size=1, max_size=3))
def test_any_text_in_a_report_renders_inert(texts: list[str]) -> None:
    md = render_markdown(_report(texts))
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    parsed = _Html()
    parsed.feed(html)
    for tag, attrs in parsed.tags:
        assert tag in SAFE_TAGS - {"img"}, f"<{tag}> from {texts!r}"
        assert not any(name.startswith("on") or name in ("href", "src", "style") for name in attrs)
    assert all(len(set(w)) == 1 for w in _row_widths(html)), texts
