"""ui/render_research.py: resolved dates, copies, disagreements and the timeline, escaped and inert."""

from __future__ import annotations

import dataclasses
import datetime as dt

from newsrag.settings import Settings
from newsrag.types import (
    Answer,
    AnswerSentence,
    DateMention,
    Disagreement,
    DisagreementSide,
    Republication,
    SupportCheck,
)
from tests.ui.conftest import HOSTILE, FakeAssistant, cite, make_article
from tests.ui.test_render import assert_inert, marks, parse
from ui import render
from ui.handlers import ChatHandlers

REPORT = make_article("report", "Paper says commander threatened raid", "The newspaper said the commander "
                      "threatened a raid on Saturday. " + HOSTILE, source="The Paper", published=dt.date(2023, 9, 21))
DENIAL = make_article("denial", "Ministry denies raid threat", "The ministry denied that the commander "
                      "threatened a raid.", source="Wire", published=dt.date(2023, 9, 22))


def _answer() -> Answer:
    claim = cite(1, REPORT, "The newspaper said the commander threatened a raid on Saturday.")
    start = REPORT.text.index("on Saturday")
    saturday = DateMention("report", start, start + len("on Saturday"), "on Saturday", dt.date(2023, 9, 16), "day",
                           True)
    copy = Republication("copy", f"Copy {HOSTILE}", "/data/wire/copy.txt", "Wire", dt.date(2023, 9, 22))
    claim = dataclasses.replace(claim, dates=(saturday,), also_in=(copy,))
    denial = cite(2, DENIAL, "The ministry denied that the commander threatened a raid.")
    sentence = AnswerSentence(f"{claim.quote} [1]", (1,), SupportCheck(True, 1.0, "verbatim"))
    return Answer(question="Did he threaten a raid?", query="raid", text=sentence.text, sentences=(sentence,),
                  citations=(claim, denial), passages=(), refused=False, answerer="offline",
                  disagreements=(Disagreement("denial", (DisagreementSide(1, "claim"), DisagreementSide(2, "denial")),
                                              0.93, "rules"),))


def test_a_cited_relative_date_is_shown_resolved_beside_the_quote() -> None:
    answer = _answer()
    html = render.sources_html(answer, {"report": REPORT, "denial": DENIAL}.get)
    assert_inert(html)
    assert "Saturday = 2023-09-16" in "".join(parse(html).text)


def test_copies_of_a_story_are_listed_once_as_also_in() -> None:
    html = render.sources_html(_answer(), {"report": REPORT, "denial": DENIAL}.get)
    text = "".join(parse(html).text)
    assert "Also in:" in text and "Copy <script>" in text and "copy.txt" in text
    assert html.count('class="nr-card"') == 2  # the copy is not a third source card


def test_a_disagreement_shows_both_sides_labelled_and_cited() -> None:
    html = render.answer_html(_answer())
    assert_inert(html)
    text = " ".join(parse(html).text)
    assert "Sources disagree" in text
    assert "claim" in text and "denial" in text and "[1]" in text and "[2]" in text
    assert "The Paper" in text and "Wire" in text
    assert "<script>" not in html


def test_no_disagreement_no_box() -> None:
    assert "nr-disagree" not in render.answer_html(dataclasses.replace(_answer(), disagreements=()))


def test_the_timeline_tab_lists_dated_sentences_with_their_source() -> None:
    assistant = FakeAssistant([REPORT, DENIAL, make_article("undated", "Undated", "It happened on Monday.")])
    handlers = ChatHandlers(assistant, Settings())
    html = handlers.timeline("raid threat", "", "", "")
    assert_inert(html)
    text = "".join(parse(html).text)
    assert "2023-09-16" in text and "counted from the article date" in text
    assert "Paper says commander threatened raid" in text
    assert marks(html)[0] == "on Saturday"
    assert "Open the whole article" in text
    assert "<script>" not in html


def test_the_timeline_explains_an_empty_result_and_a_bad_filter() -> None:


    handlers = ChatHandlers(FakeAssistant([make_article("u", "Undated", "It happened on Monday.")]), Settings())
    assert "state no publication date" in "".join(parse(handlers.timeline("monday", "", "", "")).text)
    assert "nr-error" in handlers.timeline("monday", "", "not a date", "")
    assert "Type a topic" in handlers.timeline("  ", "", "", "")
