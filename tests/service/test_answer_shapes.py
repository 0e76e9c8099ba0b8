"""The pieces both protocols share: messages into a question and history, an Answer as markdown and as JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from newsrag.types import (
    Answer,
    AnswerSentence,
    DateMention,
    Disagreement,
    DisagreementSide,
    Republication,
    SupportCheck,
    Turn,
)
from rag.conversation import DEFAULT_MAX_TURNS
from service.answer_markdown import SOURCES_MARK, answer_markdown, without_sources
from service.answer_shapes import citations_of, facts_of
from service.api_key import bearer_matches, required_key
from service.openai_errors import ApiError
from service.openai_messages import read_messages
from service.openai_schema import ChatMessage
from tests.ui.conftest import DEADLINE_TEXT, cite, make_article

ARTICLE = make_article("deadline", "Iran urges Iraq", DEADLINE_TEXT, source="Iran News", published=dt.date(2023, 10, 2))


def _answer() -> Answer:
    first = cite(1, ARTICLE, "Tehran set a deadline of September 19 for the Kurdistan Regional Government to act.")
    start = first.quote.index("September 19")
    first = replace(first, dates=(DateMention("deadline", first.start + start, first.start + start + 12, "September 19",
                                              dt.date(2023, 9, 19), "day", True),),
                    also_in=(Republication("copy", "Iran urges Iraq (wire)", "/x/copy.txt", "Wire", None),))
    second = cite(2, ARTICLE, "On September 23, Iraq said the terms were in effect.")
    text = "Tehran set a deadline of September 19 [1]. Iraq said it complied [2]."
    return Answer(
        question="q", query="q", text=text, citations=(first, second), passages=(), refused=False, answerer="offline",
        sentences=(AnswerSentence("Tehran set a deadline of September 19 [1].", (1,),
                                  SupportCheck(True, 1, "verbatim")),),
        disagreements=(Disagreement("figure", (DisagreementSide(1, "figure"), DisagreementSide(2, "figure")), 0.8,
                                    "rules"),),
        notes=("the sources disagree about this: each side is shown with its source",),
    )


def test_the_markdown_message_is_the_text_then_a_sources_part_that_comes_off_again():
    answer = _answer()
    content = answer_markdown(answer)
    assert content.startswith(answer.text + SOURCES_MARK)
    assert "**Sources give different figures:** [1] (figure) vs [2] (figure): check both." in content
    assert ("- [1] *Iran urges Iraq*, Iran News, 2023-10-02 (`deadline.txt`): “Tehran set a deadline of September 19 "
            "for the Kurdistan Regional Government to act.” (September 19 = 2023-09-19; also in: *Iran urges Iraq "
            "(wire)*, Wire (`copy.txt`))") in content
    assert content.endswith("_Note: the sources disagree about this: each side is shown with its source_")
    assert without_sources(content) == answer.text
    assert without_sources("a message nobody appended to") == "a message nobody appended to"
    bare = Answer(question="hi", query="hi", text="Hello!", sentences=(), citations=(), passages=(), refused=False,
                  answerer="offline", kind="greeting")
    assert answer_markdown(bare) == "Hello!"


def test_citations_say_whether_the_sentences_citing_them_were_supported():
    shapes = citations_of(_answer())
    assert shapes[0].supported is True
    assert shapes[1].supported is None  # no answer sentence cites it: the other side of the disagreement
    assert shapes[0].dates[0].model_dump() == {"phrase": "September 19", "resolved": "2023-09-19", "relative": True}
    assert shapes[0].also_in[0].model_dump() == {"article_id": "copy", "title": "Iran urges Iraq (wire)",
                                                 "outlet": "Wire", "date": None, "file": "copy.txt"}
    facts = facts_of(_answer())
    assert facts.kind == "answer" and facts.disagreements[0].sides[1].citation == 2


def _messages(*pairs: tuple[str, str]) -> list[ChatMessage]:
    return [ChatMessage(role=role, content=content) for role, content in pairs]  # type: ignore[arg-type]


def test_messages_become_a_question_and_its_finished_turns():
    asked = read_messages(_messages(("system", "Be brief."), ("user", "Who set it?"),
                                    ("assistant", "Tehran [1]." + SOURCES_MARK + "**Sources**\n- [1] ..."),
                                    ("user", "unanswered, then asked again"), ("user", "When?")))
    assert asked.question == "When?"
    assert asked.history == (Turn("Who set it?", "Tehran [1]."),)


def test_only_the_last_turns_are_kept():
    pairs = [pair for i in range(DEFAULT_MAX_TURNS + 5) for pair in (("user", f"q{i}"), ("assistant", f"a{i}"))]
    asked = read_messages(_messages(*pairs, ("user", "last")))
    assert len(asked.history) == DEFAULT_MAX_TURNS and asked.history[0] == Turn("q5", "a5")


@pytest.mark.parametrize("last", [("assistant", "Hello."), ("user", "  "), ("system", "Hi")])
def test_the_last_message_must_be_a_users_question(last):
    with pytest.raises(ApiError) as raised:
        read_messages(_messages(("user", "Hi"), last))
    assert raised.value.status == 400 and raised.value.detail.param == "messages"


def test_the_key_is_the_api_key_else_the_pages_user_and_password():
    from newsrag.settings import Settings

    assert required_key(Settings()) is None
    assert required_key(Settings(auth="reader:s3cret")) == "reader:s3cret"
    assert required_key(Settings(auth="reader:s3cret", api_key="k")) == "k"
    assert bearer_matches("Bearer k", "k") and bearer_matches("bearer  k ", "k")
    assert not any(bearer_matches(h, "k") for h in (None, "", "k", "Basic k", "Bearer kk", "Bearer"))
