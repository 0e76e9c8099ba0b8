"""index/dates.py: date expressions found in real sentences and resolved against the article's date."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

from index.dates import find_date_mentions
from newsrag.types import Article

THURSDAY = dt.date(2023, 9, 21)
DEVDATA = Path(__file__).resolve().parents[2] / "evals" / "devdata"


def _mentions(text: str, published: dt.date | None = THURSDAY) -> dict[str, str]:
    article = Article("a", "Title", text, "a.txt", published=published)
    found = find_date_mentions(article)
    assert all(text[m.start:m.end] == m.text for m in found)  # offsets index the article text
    return {m.text: m.label for m in found}


@pytest.mark.parametrize(("sentence", "expression", "label"), [
    ("Firefighters put the fire out on Saturday.", "on Saturday", "2023-09-16"),  # past tense: the one before
    ("The minister arrived on Saturday night for a three-day visit.", "on Saturday night", "2023-09-16"),
    ("The talks will resume on Saturday.", "on Saturday", "2023-09-23"),  # future: the one after
    ("He told reporters on Thursday that the talks had failed.", "on Thursday", "2023-09-21"),  # the day itself
    ("The plan, announced last week, was dropped.", "last week", "week of 2023-09-11"),
    ("Officials said earlier this month that the plan was dead.", "earlier this month", "2023-09"),
    ("The fire started two days ago.", "two days ago", "2023-09-19"),
    ("It happened yesterday.", "yesterday", "2023-09-20"),
    ("The deadline passed on September 19.", "on September 19", "2023-09-19"),
    ("The vote is expected in October.", "in October", "2023-10"),  # nearer than last October
    ("The trial could commence on Tuesday, January 21.", "on Tuesday, January 21", "2024-01-21"),  # the weekday fits
    ("Turnout was higher last year.", "last year", "2022"),
])
def test_relative_expressions_resolve_against_the_article_date(sentence: str, expression: str, label: str) -> None:
    assert _mentions(sentence).get(expression) == label


def test_written_dates_resolve_without_an_article_date() -> None:
    found = _mentions("The crackdown of June 4, 1989 ended the protest; the museum opened in 2014.", None)
    assert found == {"June 4, 1989": "1989-06-04", "in 2014": "2014"}


def test_an_undated_article_gets_no_relative_date_nothing_is_guessed() -> None:
    assert _mentions("Firefighters put the fire out on Saturday, a week after the blaze began last month.",
                     None) == {}


@pytest.mark.parametrize("sentence", [
    "The Pride March was not covered by mainstream media.",  # a month name as a word
    "Protesters may return, and 2000 protesters marched.",  # "may" and a count
    "The division moved for the 2nd time; it now has 1,998 staff.",
    "Two weeks before the vote, her candidacy was rejected.",  # counted from the vote, not publication
])
def test_words_that_only_look_like_dates_are_not_dates(sentence: str) -> None:
    assert _mentions(sentence) == {}


def test_a_real_dated_corpus_resolves_its_relative_dates_in_a_few_seconds() -> None:
    """Every Global Voices article of the dev data: offsets hold, relative dates need a dated article."""
    with gzip.open(DEVDATA / "globalvoices" / "articles.jsonl.gz", "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f][:60]
    articles = [Article(r["id"], r["title"], r["text"], "gv", published=dt.date.fromisoformat(r["published"][:10]))
                for r in records]
    found = [m for a in articles for m in find_date_mentions(a)]
    texts = {a.id: a.text for a in articles}
    assert all(texts[m.article_id][m.start:m.end] == m.text for m in found)
    relative = [m for m in found if m.relative]
    assert len(relative) > 100  # news is full of "on Saturday" and "last week"
    assert {m.granularity for m in relative} == {"day", "week", "month", "year"}
