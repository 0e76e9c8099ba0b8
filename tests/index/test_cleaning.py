"""News-aware cleaning, on the seed articles themselves and on small made-up cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.cleaning import (
    clean_story_text,
    derive_title,
    is_junk_line,
    looks_like_headline,
    split_dateline,
)
from newsrag.text import normalize


def _seed(seeds_dir: Path, prefix: str) -> str:
    (path,) = sorted(seeds_dir.glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8")


@pytest.fixture
def seed_stories(seeds_dir: Path) -> dict[str, tuple]:
    return {p: clean_story_text(_seed(seeds_dir, p)) for p in ("000", "001", "002", "003", "004")}


def test_titles_of_all_six_seed_stories(seed_stories: dict[str, tuple]) -> None:
    titles = [s.title for p in sorted(seed_stories) for s in seed_stories[p]]
    assert titles == [
        "Iran Ends Mission to Safeguard Iraq Border",
        "Exclusive: IRGC's Qaani did not threaten a ground operation in Iraq",
        "IRGC reinforce West, Northwest borders to end separatist penetration",
        "Iran Amb. to Iraq dismisses claims of land operation in Kurdistan",
        "The Chief of Staff of the Iranian Armed Forces has urged Iraq to continue disbanding…",
        "Iranian troops sent to fight ISIS in Iraq operation",
    ]


def test_seed_000_dateline_is_metadata_and_body_starts_after_it(seed_stories: dict[str, tuple]) -> None:
    (story,) = seed_stories["000"]
    assert story.dateline == "TEHRAN (Dispatches)"
    assert story.text.startswith("Iran has announced the end of a special mission")
    assert "Dispatches" not in story.text
    assert story.title not in story.text


def test_seed_001_is_split_into_two_stories_at_the_second_headline(seed_stories: dict[str, tuple]) -> None:
    first, second = seed_stories["001"]
    assert first.text.startswith("Information relayed by a British newspaper")
    assert first.text.endswith("fully control the borders between the two countries.")
    assert second.text.startswith("The IRGC sent reinforcements to Iran's western and northern borders")
    assert "IRGC reinforce West" not in first.text + second.text
    assert "Read more" not in second.text  # the trailing teaser is gone
    assert second.text.endswith("on several occasions.")


def test_seed_002_teaser_removed_and_not_split(seed_stories: dict[str, tuple]) -> None:
    (story,) = seed_stories["002"]
    assert "Read more" not in story.text
    assert "IRGC launches new series of missiles" not in story.text
    # Quotes and curly apostrophes stay exactly as in the file.
    assert "“The issue of ground advance on Iraqi soil is not true" in story.text
    assert "Iran’s ambassador to Baghdad" in story.text


def test_seed_003_source_dateline_and_derived_title(seed_stories: dict[str, tuple]) -> None:
    (story,) = seed_stories["003"]
    assert story.source == "Tehrantimes"
    assert story.dateline == "TEHRAN (Iran News)"
    assert "source :" not in story.text and "Tehrantimes" not in story.text
    # The whole first paragraph is kept as body, only the dateline is lifted out.
    first_line = story.text.split("\n")[0]
    assert first_line.startswith("The Chief of Staff of the Iranian Armed Forces has urged Iraq")
    assert first_line.endswith("drive them out of the border regions.")
    assert len(story.title) <= 91 and story.title.endswith("…")


def test_seed_004_footer_widgets_related_headlines_and_duplicate_caption_removed(
    seed_stories: dict[str, tuple],
) -> None:
    (story,) = seed_stories["004"]
    for junk in (
        "[wpResize]",
        "bloggers like this",
        "Powered by",
        "All rights reserved",
        "About Us",
        "Bomber identified as Saleh Al-Qashami",
        "Deadly car bomb hits northern Egyptian city",
    ):
        assert junk not in story.text, junk
    assert story.text.count("In this Tuesday, Sept. 17, 2013 file photo") == 1
    assert story.text.endswith("leaving the refinery a soft target.")
    assert "\n\n" not in story.text


def test_every_seed_story_is_trimmed_and_has_no_repeated_line(seed_stories: dict[str, tuple]) -> None:
    for stories in seed_stories.values():
        for story in stories:
            assert story.text == story.text.strip()
            lines = story.text.split("\n")
            assert all(line == line.strip() and line for line in lines)
            keys = [normalize(line) for line in lines]
            assert len(keys) == len(set(keys))


def test_no_seed_other_than_001_is_split(seed_stories: dict[str, tuple]) -> None:
    assert {p: len(s) for p, s in seed_stories.items()} == {"000": 1, "001": 2, "002": 1, "003": 1, "004": 1}


LONG = ("This paragraph is long enough to be real story text, with many words about a border agreement "
        "that officials signed.")


def test_short_subheads_and_captions_do_not_split_a_story() -> None:
    raw = "\n".join(
        [
            "Officials Sign Border Deal",
            LONG,
            LONG.replace("border", "trade"),
            "Reaction in Baghdad",  # a subhead: too short to be a headline of its own
            LONG.replace("border", "security"),
            "Protesters gathered outside the ministry on Monday.",  # a caption, ends with a period
            LONG.replace("border", "oil"),
        ]
    )
    (story,) = clean_story_text(raw)
    assert "Reaction in Baghdad" in story.text


def test_a_general_second_headline_splits_any_file() -> None:
    raw = "\n".join(
        [
            "Markets Rally After Rate Decision",
            LONG,
            LONG.replace("border", "rates"),
            "Storm Leaves Thousands Without Power in the North",
            LONG.replace("border", "storm"),
            LONG.replace("border", "grid"),
        ]
    )
    first, second = clean_story_text(raw)
    assert (first.title, second.title) == ("Markets Rally After Rate Decision",
                                           "Storm Leaves Thousands Without Power in the North")
    assert second.text.startswith("This paragraph") and "storm" in second.text
    assert clean_story_text(raw, split_stories=False)[0].text.count("\n") == 4


@pytest.mark.parametrize(
    ("line", "dateline", "rest"),
    [
        ("TEHRAN (Dispatches) -- Iran said", "TEHRAN (Dispatches)", "Iran said"),
        ("TEHRAN (Iran News) – The chief", "TEHRAN (Iran News)", "The chief"),
        ("BAGHDAD, Iraq (AP) — Officials said", "BAGHDAD, Iraq (AP)", "Officials said"),
        ("WASHINGTON - The Pentagon", "WASHINGTON", "The Pentagon"),
    ],
)
def test_datelines_are_recognised(line: str, dateline: str, rest: str) -> None:
    assert split_dateline(line) == (dateline, rest)


@pytest.mark.parametrize(
    "line",
    ["U.S. officials said on Monday", "IRGC forces - backed by drones - struck", "Iran - the country - said",
     "NATO: allies meet"],
)
def test_ordinary_sentences_are_not_datelines(line: str) -> None:
    assert split_dateline(line) == (None, line)


@pytest.mark.parametrize(
    "line",
    [
        "Read more: Iran sends letter to UN",
        "READ ALSO - Talks resume",
        "%d bloggers like this:",
        "Powered by : © 2014 Systron Micronix :: Leaders in Web Hosting. All rights reserved",
        "[wpResize]",
        '[caption id="attachment_1" align="alignleft"]',
        "| About Us | Privacy Policy | Terms of Use | Disclaimer | Contact Us |",
        "Home | World | Middle East",
        "Copyright 2023 Example News",
        "© 2020 Some Outlet",
        "Share this:",
    ],
)
def test_junk_lines(line: str) -> None:
    assert is_junk_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Iran has reportedly sent troops to Iraq to fight ISIS militants, U.S. defense officials said.",
        "Share prices fell sharply on Monday after the announcement.",
        "He said the rights of all were reserved for later talks.",
        "[The minister] said the talks would resume.",
        "The vote was 12 | 3 in favour, officials said.",
    ],
)
def test_story_lines_are_not_junk(line: str) -> None:
    assert not is_junk_line(line)


def test_headline_detection() -> None:
    assert looks_like_headline("Iran Amb. to Iraq dismisses claims of land operation in Kurdistan")
    assert looks_like_headline("Will Iraq act before the deadline?")
    assert not looks_like_headline("TEHRAN (Iran News) – The Chief of Staff has urged Iraq.")
    assert not looks_like_headline("Officials said the talks ended without an agreement.")


def test_derived_title_cuts_at_a_word_boundary() -> None:
    title = derive_title("Short first sentence here. Second sentence.")
    assert title == "Short first sentence here"
    long = "word " * 40 + "end."
    cut = derive_title(long, max_chars=30)
    assert cut.endswith("…") and len(cut) <= 31 and not cut[:-1].endswith(" ")
    assert all(w == "word" for w in cut[:-1].split())


def test_known_title_is_not_repeated_in_the_body_and_whitespace_is_tidied() -> None:
    raw = "\ufeff  My Title \r\n\r\n\r\nMy  Title\r\nBody   line one.\t\n\n\n\nBody line two.  \n"
    (story,) = clean_story_text(raw, title="My Title")
    assert story.title == "My Title"
    assert story.text == "Body line one.\nBody line two."


def test_only_boilerplate_gives_no_story() -> None:
    assert clean_story_text("Headline Only\nPowered by WordPress\n| A | B | C |") == ()
