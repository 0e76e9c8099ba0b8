"""Date expressions in article text, resolved to calendar dates against the article's own date.

`find_date_mentions(article)` returns every date expression of the cleaned text with the
period it stands for: "on Saturday" in a story published Thursday 2023-09-21 is
2023-09-16, "last week" the week of 2023-09-11, "earlier this month" 2023-09, "in
October 2019" 2019-10. `index/` stores them beside the article (manifest table `dates`);
citations show them beside the cited sentence and the timeline orders sentences by them.

Two steps, each done by what does it best:
1. Finding the expression is a small phrase grammar over general vocabulary (weekdays,
   months, calendar units, relative words; `newsrag/vocab/`). dateparser's own
   `search_dates` was tried first and rejected on real sentences: it missed "last week"
   beside another date, and took "and may", "now" and "the 2nd" for dates.
2. Resolving it is dateparser's (`DateDataParser`, English, the article's date as
   `RELATIVE_BASE`), which also says whether the phrase names a day, week, month or year.

Conventions, all general to news writing:
- A weekday or a month without a year is the last one before the article's date, or the
  next one when the sentence speaks of the future ("will", "scheduled"; `future_markers`).
  A weekday that is the article's own weekday is the day of publication: stories name
  the day they report ("said on Thursday" in a Thursday story).
- An expression that needs the article's date is only recorded when the article has one.
  Nothing is guessed: without a date only expressions with a written year are recorded.

Deliberately left out: times of day ("at 5 pm"), durations ("for three days"), date
ranges as one period ("from May to July" gives two months), and any language but English.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable

from newsrag.types import Article, DateMention
from newsrag.vocab import mapping, vocabulary

# Bumped when what is found or how it is resolved changes: the indexer then recomputes the
# stored mentions of every article (cheap: no embedding).
DATES_VERSION = "1"

_PERIOD_PARTS = ("morning", "afternoon", "evening", "night")


def _alternation(words: Iterable[str]) -> str:
    items = sorted({str(w) for w in words}, key=len, reverse=True)  # longest first: "sept" before "sep"
    return "|".join(re.escape(w) for w in items)


@functools.cache
def _grammar() -> re.Pattern[str]:
    weekday = _alternation(vocabulary("weekdays"))
    month = _alternation(vocabulary("months"))
    unit = _alternation(vocabulary("date_units"))
    modifier = _alternation(mapping("date_modifiers"))
    rel_day = _alternation(vocabulary("relative_days"))
    number = _alternation(vocabulary("number_words"))
    prep = _alternation(vocabulary("date_prepositions"))
    part = _alternation(_PERIOD_PARTS)
    day = r"\d{1,2}(?:st|nd|rd|th)?"
    year = r"(?:1[89]|20)\d\d"
    # Month names are matched capitalised only ("May 5", not "may"); other words in any case.
    month_cap = r"(?-i:(?:" + "|".join(w.capitalize() for w in month.split("|")) + r")\b\.?)"
    patterns = [
        # Tuesday, Sept. 19, 2023 / Sept. 19, 2023 / 19 September 2023 / September 2023 / Sept. 19
        rf"(?:(?:{weekday}),?\s+)?{month_cap}\s+{day}(?:,?\s+{year})?\b",
        rf"(?:(?:{weekday}),?\s+)?{day}\s+(?:of\s+)?{month_cap}(?:,?\s+{year})?\b",
        rf"{month_cap}(?:\s+of)?\s+{year}\b",
        # (early|late) last/next/this week|month|year, earlier this month, last weekend
        rf"(?:(?:{modifier})\s+)?(?:{modifier})\s+(?:{unit})\b",
        # two days ago ("two days before" counts from another event, not from publication)
        rf"(?:\d+|{number}|a)\s+(?:{unit})\s+ago\b",
        # last Saturday, Monday night, on Sunday
        rf"(?:(?:last|next|this)\s+)?(?:{weekday})(?:\s+(?:{part}))?\b",
        rf"(?:{rel_day})\b",
        # A month or a year alone only after a preposition or modifier: "in September", "last
        # March", "since 2020"; not "Pride March", "May I", "2000 protesters".
        rf"(?:{prep}|{modifier})\s+(?:the\s+)?{month_cap}(?!\s+\d)",
        rf"(?:{prep})\s+(?<![\d,.]){year}\b(?![\d%]|[.,]\d)",
    ]
    # An optional preposition is part of the expression ("on Saturday"): shown and stripped again.
    body = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(rf"\b(?:(?:{prep})\s+(?:the\s+)?)?(?:{body})", re.IGNORECASE)


def _has_year(text: str) -> bool:
    return re.search(r"\b(?:1[89]|20)\d\d\b", text) is not None


@functools.lru_cache(maxsize=64)  # one parser per (article date, preference); a run reads dates mostly in order
def _parser(base: dt.date | None, prefer: str) -> object:
    from dateparser.date import DateDataParser  # ~0.3 s import: only when something is found

    settings = {"PREFER_DATES_FROM": prefer, "RETURN_TIME_AS_PERIOD": True,
                "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": []}
    if base is not None:
        settings["RELATIVE_BASE"] = dt.datetime.combine(base, dt.time(12))
    return DateDataParser(languages=["en"], settings=settings)


_PERIODS = {"time": "day", "day": "day", "week": "week", "month": "month", "year": "year"}


def _period_start(value: dt.date, granularity: str) -> dt.date:
    if granularity == "week":
        return value - dt.timedelta(days=value.weekday())
    if granularity == "month":
        return value.replace(day=1)
    if granularity == "year":
        return value.replace(month=1, day=1)
    return value


def _core(text: str) -> str:
    """What dateparser reads: the expression without its preposition or an edge word."""
    words = text.split()
    if words and words[0].lower() in vocabulary("date_prepositions"):
        words = words[1:]
    if words and words[0].lower() == "the":
        words = words[1:]
    edge = {w for w, kind in mapping("date_modifiers").items() if kind == "edge"}
    if len(words) > 2 and words[0].lower() in edge:
        words = words[1:]  # "earlier this month" -> "this month"
    if len(words) == 2 and words[0].lower() in edge and words[1].lower() not in vocabulary("date_units"):
        words = words[1:]  # "late September" -> "September"
    return " ".join(words).rstrip(",")


def _parse(core: str, base: dt.date | None, prefer: str) -> tuple[dt.date, str] | None:
    data = _parser(base, prefer).get_date_data(core)  # type: ignore[attr-defined]
    if data.date_obj is None:
        return None
    return data.date_obj.date(), _PERIODS.get(str(data.period), "day")


def _resolve(core: str, base: dt.date | None, future: bool) -> tuple[dt.date, str] | None:
    words = {w.lower().rstrip(".,") for w in core.split()}
    if base is not None and words & set(mapping("months")) and not _has_year(core) and not words & {"last", "next"}:
        # A month (and day) without a year: the occurrence nearest the article's date, the
        # past one on a tie; a weekday written beside it picks the year where it matches.
        options = [r for r in (_parse(core, base, "past"), _parse(core, base, "future")) if r is not None]
        if not options:
            return None
        weekday = words & vocabulary("weekdays")
        matching = [r for r in options if r[0].strftime("%A").lower() in weekday]
        value, granularity = min(matching or options, key=lambda r: abs((r[0] - base).days))
        return _period_start(value, granularity), granularity
    parsed = _parse(core, base, "future" if future else "past")
    if parsed is None:
        return None
    value, granularity = parsed
    if base is not None and granularity == "day" and words & vocabulary("weekdays") and not (words - vocabulary(
            "weekdays") - {"last", "next", "this"} - set(_PERIOD_PARTS)):
        # Plain weekday: dateparser moves a week back (or on) from the article's own weekday.
        wanted = next(w for w in words if w in vocabulary("weekdays"))
        if wanted == base.strftime("%A").lower() and not words & {"last", "next"}:
            value = base
    return _period_start(value, granularity), granularity


def _future(sentence_before: str) -> bool:
    tokens = re.findall(r"[a-z']+", sentence_before.lower())
    markers = vocabulary("future_markers")
    return any(t in markers for t in tokens) or "going to" in " ".join(tokens)


def _sentence_starts(text: str) -> list[int]:
    from newsrag.text import sentence_spans

    return [s.start for s in sentence_spans(text)]


def _trim(found: str) -> str:
    """Drop a trailing comma, and a full stop unless it ends an abbreviation ("Sept.")."""
    found = found.rstrip(" ,")
    if found.endswith("."):
        last = found[:-1].split()[-1].lower()
        if mapping("months").get(last, last) == last:  # not an abbreviation: the stop ends the sentence
            found = found[:-1]
    return found


def find_date_mentions(article: Article) -> tuple[DateMention, ...]:
    """Every date expression of `article.text` that can be resolved, in text order."""
    text = article.text
    base = article.published
    starts = _sentence_starts(text)
    out: list[DateMention] = []
    for match in _grammar().finditer(text):
        found = _trim(match.group(0))
        start, end = match.start(), match.start() + len(found)
        absolute = _has_year(found)
        if base is None and not absolute:
            continue  # needs the article's date, which it does not have: nothing is guessed
        sentence_start = max((s for s in starts if s <= start), default=0)
        resolved = _resolve(_core(found), base, _future(text[sentence_start:start]))
        if resolved is None:
            continue
        value, granularity = resolved
        out.append(DateMention(article.id, start, end, found, value, granularity, relative=not absolute))
    return tuple(out)
