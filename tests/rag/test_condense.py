"""Deterministic follow-up rewriting."""

from __future__ import annotations

from newsrag.types import Turn
from rag.followup_rules import condense_question, is_follow_up, person_name

AMBASSADOR = Turn(
    "Who is Iran's ambassador to Baghdad?",
    "Media reports' claims of Iran's plans for a ground operation were dismissed by Iran's ambassador "
    "to Baghdad, Mohammad Kazem Al-e Sadeq during an interview with Iranian Al-Alam TV. [1]",
)


def test_personal_pronoun_becomes_the_person_from_the_previous_answer():
    query = condense_question([AMBASSADOR], "What did he say about a ground operation?")
    assert "Al-e Sadeq" in query and "ground operation" in query
    assert " he " not in f" {query} "


def test_non_follow_ups_pass_unchanged():
    q = "What was the September 19 deadline?"
    assert condense_question([AMBASSADOR], q) == q
    assert condense_question([], "What did he say?") == "What did he say?"
    assert not is_follow_up(q, [AMBASSADOR])


def test_what_about_swaps_the_same_kind_of_anchor():
    history = [Turn("What happened on September 19?", "Iraq ... [1]")]
    assert condense_question(history, "What about September 23?") == "What happened on September 23?"
    assert condense_question([AMBASSADOR], "And Turkey?") == "Who is Iran's ambassador to Turkey?"


def test_elliptical_question_carries_the_previous_topic():
    query = condense_question([AMBASSADOR], "Why?")
    assert query.startswith("Why") and "ambassador" in query and "Baghdad" in query


def test_person_name_ignores_organisations():
    assert person_name("He spoke to Iranian Al-Alam TV on Sunday.") is None
    assert person_name("Brigadier General Kiumars Heidari told IRNA.") == "Kiumars Heidari"


def test_short_who_answer_is_the_person_for_he_and_she():
    history = [Turn("Who is the Iranian Foreign Ministry spokeswoman?", "Marzieh Afkham [1].")]
    assert condense_question(history, "What did she say Libya needs?") == "What did Marzieh Afkham say Libya needs?"


def test_place_after_a_preposition_is_not_the_person():
    history = [Turn("Who is Iran's ambassador to Baghdad?",
                    "It is noteworthy that Iran's ambassador to Baghdad, Muhammad Kazem Al-e Sadeq, said so. [1]")]
    query = condense_question(history, "How many documents did he say Iran had given Iraq?")
    assert "Muhammad Kazem Al-e Sadeq" in query and "Baghdad" not in query


def test_it_becomes_the_short_answer_of_a_which_question():
    history = [Turn("Which oil refinery did Iran help Iraqi forces retake?", "The major oil refinery of Beiji [1].")]
    assert condense_question(history, "When was it liberated before?") == \
        "When was the major oil refinery of Beiji liberated before?"


def test_who_follow_up_takes_the_person_whose_role_was_asked_not_the_last_name():
    answer = ("General Baqeri and Iraqi Defense Minister Thabet Muhammad Al-Abbasi talked about a range of issues. [1] "
              "On September 23, Iraq’s Foreign Minister Fuad Hussein declared that the terms were in effect. [2]")
    query = condense_question([Turn("Who is Iraq's Defense Minister?", answer)], "What did he talk about?")
    assert query == "What did Iraqi Defense Minister Thabet Muhammad Al-Abbasi talk about?"


def test_capitalised_role_in_the_question_still_picks_the_person_holding_it():
    answer = ("Major General Mohammad Hossein Baqeri made the remarks during a meeting on Sunday with "
              "Iraqi Interior Minister Abdul Amir al-Shammari on Sunday. [1]")
    query = condense_question([Turn("Who is the Iraqi Interior Minister?", answer)], "What did he praise?")
    assert query == "What did Iraqi Interior Minister Abdul Amir al-Shammari praise?"
