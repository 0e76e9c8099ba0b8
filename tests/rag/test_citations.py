"""Parsing [n] markers out of LLM answers, bounds checks and refusal detection."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from rag.language.cited_text import (
    bounds_check,
    is_refusal_sentence,
    marker_numbers,
    parse_cited_text,
    strip_markers,
)


def parsed(text: str) -> list[tuple[str, tuple[int, ...]]]:
    return [(s.text, s.numbers) for s in parse_cited_text(text)]


def test_single_multi_and_adjacent_markers() -> None:
    text = "Iran set a deadline [1]. Iraq agreed [1, 3]. Troops left [2][4]."
    assert parsed(text) == [
        ("Iran set a deadline.", (1,)),
        ("Iraq agreed.", (1, 3)),
        ("Troops left.", (2, 4)),
    ]


def test_marker_after_full_stop_belongs_to_previous_sentence() -> None:
    assert parsed("The deadline was September 19. [2] It passed. [1][3]") == [
        ("The deadline was September 19.", (2,)),
        ("It passed.", (1, 3)),
    ]


def test_ranges_semicolons_and_duplicates() -> None:
    assert marker_numbers("a [1-3] b [2; 5] c [1]") == [1, 2, 3, 5]
    assert marker_numbers("[1-999]") == [1, 999]  # absurd range: ends kept, not 999 numbers


def test_sentence_without_markers_has_no_numbers() -> None:
    assert parsed("No citation here. Cited [1].") == [("No citation here.", ()), ("Cited.", (1,))]


def test_marker_only_text_gives_no_sentences() -> None:
    assert parse_cited_text("[1] [2]") == []


def test_strip_markers_tidies_spacing() -> None:
    assert strip_markers("On September 19 [1] , Iraq acted [2, 3].") == "On September 19, Iraq acted."


def test_bounds_check_splits_valid_and_dropped() -> None:
    assert bounds_check([1, 99, 3, 0], 3) == ((1, 3), (99, 0))


@pytest.mark.parametrize(
    "text",
    [
        "The indexed articles do not say.",
        "The indexed articles do not say.[1]",
        "The provided passages do not mention when the attack happened.",
        "I could not find the answer in the articles.",
        "The articles don't say.",
    ],
)
def test_refusals_are_recognised(text: str) -> None:
    assert is_refusal_sentence(text)


@pytest.mark.parametrize(
    "text",
    [
        "Iran did not say when the mission ended.",
        "The articles say the deadline was September 19.",
        "There is information about the deadline.",
        "",
    ],
)
def test_claims_are_not_refusals(text: str) -> None:
    assert not is_refusal_sentence(text)


@given(st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=4))
def test_any_cited_numbers_round_trip(numbers: list[int]) -> None:
    text = "Iran acted " + "".join(f"[{n}]" for n in numbers) + "."
    [sentence] = parse_cited_text(text)
    assert sentence.text == "Iran acted."
    assert list(sentence.numbers) == list(dict.fromkeys(numbers))
