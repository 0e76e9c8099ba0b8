"""Lists, summaries and greetings in the chat bubble, the Why tab and the Sources panel; the /ask JSON."""

from __future__ import annotations

import datetime as dt

from newsrag.types import Answer, AnswerSentence, Passage, SupportCheck, to_jsonable
from tests.ui.conftest import HOSTILE, chunk_of, cite, make_article
from tests.ui.test_render import assert_inert, marks, parse
from ui import panels, render

OK = SupportCheck(True, 1.0, "verbatim")
ONE = make_article("one", "Iran ends border mission", "Iran ended its border mission. The army went home.",
                   source="Tehrantimes", published=dt.date(2014, 10, 20))
TWO = make_article("two", f"Hostile {HOSTILE}", f"Soleimani was named {HOSTILE}. Nothing else.")


def _answer(kind: str, heading: str | None, quotes: list[tuple[object, str]], **kw: object) -> Answer:
    citations = tuple(cite(i + 1, article, quote) for i, (article, quote) in enumerate(quotes))
    sentences = tuple(AnswerSentence(f"{q} [{i + 1}]", (i + 1,), OK) for i, (_, q) in enumerate(quotes))
    passages = tuple(Passage(chunk_of(a), 1.0, i + 1) for i, (a, _) in enumerate(quotes))
    return Answer("q", "q", "text", sentences, citations, passages, False, "offline", kind=kind, heading=heading, **kw)


def test_a_collection_is_a_list_of_titles_bylines_and_cited_sentences():
    answer = _answer("collection", "2 of the 6 indexed articles mention Soleimani:",
                     [(ONE, "Iran ended its border mission."), (TWO, f"Soleimani was named {HOSTILE}.")])
    html = render.answer_html(answer)
    assert_inert(html)
    parsed = parse(html)
    assert [t for t, _ in parsed.tags].count("li") == 2
    text = "".join(parsed.text)
    assert "2 of the 6 indexed articles mention Soleimani:" in text
    assert "Iran ends border mission" in text and "Tehrantimes · 2014-10-20" in text
    assert 'data-cite="1"' in html and 'data-cite="2"' in html
    assert "<script>" in text  # the hostile title is text, not markup
    sources = render.sources_html(answer, {"one": ONE, "two": TWO}.get)
    assert marks(sources)[:2] == ["Iran ended its border mission.", "Iran ended its border mission."]
    assert "Job" in panels.why_html(answer) and "collection" in panels.why_html(answer)


def test_a_one_article_summary_is_a_heading_and_a_paragraph():
    answer = _answer("summary", "Summary of “Iran ends border mission” (Tehrantimes, 2014-10-20):",
                     [(ONE, "Iran ended its border mission."), (ONE, "The army went home.")])
    html = render.answer_html(answer)
    assert_inert(html)
    assert 'class="nr-summary"' in html and "<li" not in html
    assert "Summary of “Iran ends border mission”" in "".join(parse(html).text)


def test_a_summary_of_several_articles_is_a_list():
    answer = _answer("summary", "Main points on Soleimani:", [(ONE, "Iran ended its border mission."),
                                                             (TWO, "Nothing else.")])
    assert 'class="nr-list"' in render.answer_html(answer)


def test_a_greeting_lists_its_suggestions_and_has_nothing_to_check():
    answer = Answer("hello", "hello", "Hello! I answer questions.\n- What are these articles about?", (), (), (),
                    False, "offline", kind="greeting", suggestions=("What are these articles about?", HOSTILE))
    html = render.answer_html(answer)
    assert_inert(html)
    items = [t for t, _ in parse(html).tags if t == "li"]
    assert len(items) == 2 and "- What are" not in html
    assert "nothing to check" in panels.why_html(answer)
    assert "Sources appear here when an answer quotes the articles." in render.sources_html(answer, lambda _: None)


def test_a_job_refusal_without_passages_does_not_point_at_them():
    answer = Answer("q", "q", "None of the 6 indexed articles mention Zorblat.", (), (), (), True, "offline")
    html = render.answer_html(answer)
    assert answer.kind == "refusal" and "nr-refusal" in html and "closest passages" not in html


def test_the_api_returns_the_kind_heading_and_suggestions():
    from newsrag.settings import Settings
    from tests.ui.conftest import FakeAssistant
    from ui.api import make_ask_endpoint

    class Greeter(FakeAssistant):
        def ask(self, question, history=(), options=None):
            return Answer(question, question, "Hello!", (), (), (), False, "offline", kind="greeting",
                          suggestions=("What are these articles about?",))

    data = make_ask_endpoint(Greeter(), Settings())("hello")
    assert data["kind"] == "greeting" and data["suggestions"] == ["What are these articles about?"]
    assert to_jsonable(_answer("collection", "h", [(ONE, "Iran ended its border mission.")]))["heading"] == "h"
