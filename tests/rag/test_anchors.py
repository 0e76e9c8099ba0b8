"""Anchors and question kinds: what makes a sentence specific and what a question asks for."""

from __future__ import annotations

import doctest

import pytest

import rag.language.anchors
from rag.language.anchors import find_anchors, person_score, question_kind, satisfies_kind


def test_doctests():
    failed, attempted = doctest.testmod(rag.language.anchors)
    assert attempted > 0 and failed == 0


def test_possessive_splits_a_place_from_the_person():
    found = find_anchors("On Monday, Iraq’s Foreign Minister Fuad Hussein declared it.")
    names = [a.text for a in found if a.kind == "name"]
    assert names == ["Iraq’s", "Foreign Minister Fuad Hussein"]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who is Iraq's interior minister?", "person"),
        ("Who set a deadline for the KRG?", "who"),
        ("Which newspaper reported the threat?", "who"),
        ("How much damage did the bombs cause?", "amount"),
        ("How long will the repairs take?", "duration"),
        ("How many documents were given?", "number"),
        ("In which month did the attacks begin?", "when"),
        ("Where did the attack happen?", "where"),
        ("What did the statement say?", "other"),
    ],
)
def test_question_kind(question, kind):
    assert question_kind(question) == kind


@pytest.mark.parametrize(
    ("kind", "sentence", "ok"),
    [
        ("when", "The attacks began in September.", True),
        ("when", "The attacks began after talks.", False),
        ("amount", "The bombs caused minor damage.", True),
        ("amount", "The bombs exploded outside.", False),
        ("duration", "Repairs will take years.", True),
        ("number", "Repairs will take years.", False),
    ],
)
def test_satisfies_kind(kind, sentence, ok):
    assert satisfies_kind(kind, find_anchors(sentence), sentence) is ok


def test_person_score_tells_people_from_places_and_organisations():
    text = "Iran's ambassador to Baghdad, Muhammad Kazem Al-e Sadeq, said the Revolution Guards Corps left."
    by_text = {a.text: person_score(a, text) for a in find_anchors(text) if a.kind == "name"}
    assert by_text["Baghdad"] < 0  # a place after "to"
    assert by_text["Revolution Guards Corps"] < 0  # an organisation
    assert by_text["Muhammad Kazem Al-e Sadeq"] >= 2  # a role before it
