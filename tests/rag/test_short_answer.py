"""The short answer marked inside a quoted sentence."""

from __future__ import annotations

import pytest

from rag.answering.short_answer import short_answer
from rag.language.anchors import question_kind


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("When was the deadline?", "Tehran set a deadline of September 19 for the group.", "September 19"),
        ("How many pilgrims died?", "Officials said 345 pilgrims died in the crush on Thursday.", "345 pilgrims"),
        ("How much did the bridge cost?", "The bridge cost $4.5 million to build, the council said.", "$4.5 million"),
        ("Who is the mayor of Springfield?", "Springfield Mayor Jane Doe opened the fair.", "Jane Doe"),
        ("Where did the storm hit first?", "The storm first hit land near Galveston early on Monday.", "Galveston"),
        ("Who said the army would strike ISIL?", "Army commander Ahmad Reza Pourdastan said it would strike ISIL.",
         "Ahmad Reza Pourdastan"),
    ],
)
def test_the_answering_span_is_found(question, sentence, expected):
    got = short_answer(question, question_kind(question), sentence)
    assert got is not None and got.text == expected
    assert sentence[got.start : got.end].strip() == expected


def test_what_the_question_already_gives_is_not_the_answer():
    q = "How many people did the 2019 census count in Lagos?"
    got = short_answer(q, question_kind(q), "The 2019 census counted 14 million people in Lagos.")
    assert got is not None and got.text.startswith("14 million")


def test_open_questions_and_sentences_without_the_kind_have_none():
    assert short_answer("What did the minister say?", "other", "The minister said 3 things.") is None
    q = "When did the talks start?"
    assert short_answer(q, question_kind(q), "The talks started after a long delay.") is None


@pytest.mark.parametrize("question, sentence, expected", [
    ("How much did the company lose?", "The company lost $14.5m last year.", "$14.5m"),
    ("How much will the plan cost?", "The plan will cost £7.5bn over ten years.", "£7.5bn"),
    ("When did the talks end?", "The talks ended on 23 February.", "23 February"),
    ("How long did the strike last?", "The strike lasted 45 days.", "45 days"),
])
def test_amounts_keep_their_decimals_and_no_span_keeps_the_closing_stop(question, sentence, expected):
    found = short_answer(question, question_kind(question), sentence)
    assert found is not None and found.text == expected
    assert sentence[found.start:found.end] == expected
