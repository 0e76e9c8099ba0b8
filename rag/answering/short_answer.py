"""The short answer inside a quoted sentence: the date, number, name or place that answers.

"When was the deadline?" is answered by a whole sentence, but what the user wants is
"September 19" in it. For the factoid kinds of `rag.language.anchors.question_kind` the short
answer is the anchor of the asked kind that the question did not already give; when
several qualify, the one nearest the words the sentence shares with the question.

Deliberately left out: open questions ("what did X say?") have no short answer; nor
is anything extracted that is not a span of the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsrag.text import content_terms, term_variants
from newsrag.vocab import vocabulary
from rag.answering.sentence_features import is_new, question_terms
from rag.language.anchors import Anchor, find_anchors, person_score

_CURRENCY_BEFORE = re.compile(r"[$£€¥]\s?$|\b(?:US|A|C)\$\s?$")
_UNIT_AFTER = re.compile(r"^(?:\s?%|\s(?:per ?cent|percent|million|billion|trillion|thousand|hundred)\b)?"
                         r"(?:\s(?:[a-z]+-)?[a-z]+)?")
# The rest of a number the anchor stopped short of: its decimals and a scale written onto it
# ("$14" + ".5m", "£7" + ".5bn"), so an amount is never cut at its decimal point.
_NUMBER_REST = re.compile(r"^(?:[.,]\d+)+(?:bn|tn|m|k)?(?!\w)|^(?:bn|tn|m|k)(?!\w)")
_PLACE_BEFORE = re.compile(r"\b(?:in|at|near|from|to|into|outside|across)\s+(?:the\s+)?$", re.I)
_WORD = re.compile(r"\w[\w'’-]*")


@dataclass(frozen=True)
class ShortAnswer:
    text: str
    start: int  # offsets inside the sentence
    end: int


def _number_span(anchor: Anchor, sentence: str) -> tuple[int, int]:
    """A number with its currency sign before and its unit after ("$4.5 million", "45 days")."""
    start, end = anchor.start, anchor.end
    rest = _NUMBER_REST.match(sentence[end:])
    if rest:
        end += len(rest.group(0))
    before = _CURRENCY_BEFORE.search(sentence[:start])
    if before:
        start = before.start()
    scaled_amount = before and rest and rest.group(0)[-1].isalpha()  # "$14.5m": complete, no unit follows
    after = None if scaled_amount else _UNIT_AFTER.match(sentence[end:])
    if after and after.group(0).strip():
        unit = after.group(0)
        last = unit.split()[-1] if unit.split() else ""
        if last in vocabulary("stopwords"):  # "45 of them": keep "45"
            unit = unit[: unit.rfind(last)].rstrip()
        end += len(unit)
    return start, end


def _candidates(kind: str, sentence: str, anchors: list[Anchor], asks_who: bool = False) -> list[tuple[int, int]]:
    if kind == "when":
        return [(a.start, a.end) for a in anchors if a.kind == "date"] or [
            (m.start(), m.end()) for m in re.finditer(r"\b(?:" + "|".join(sorted(vocabulary("weekdays"))) + r")\b",
                                                    sentence, re.I)]
    if kind in ("number", "amount", "duration"):
        numbers = [a for a in anchors if a.kind == "number"] or ([a for a in anchors if a.kind == "date"]
                                                                  if kind == "duration" else [])
        return [_number_span(a, sentence) for a in numbers]
    names = [a for a in anchors if a.kind == "name"]
    if kind == "person":
        people = [a for a in names if person_score(a, sentence) >= 1]
        return [(a.start, a.end) for a in people or names]
    if kind == "where":
        places = [a for a in names if _PLACE_BEFORE.search(sentence[: a.start])]
        return [(a.start, a.end) for a in places or names]
    if kind == "who":  # "Who said ...?" wants a person when the sentence names one; "which agency" does not
        people = [a for a in names if person_score(a, sentence) >= 1] if asks_who else []
        return [(a.start, a.end) for a in people or names]
    return []


def short_answer(question: str, kind: str, sentence: str) -> ShortAnswer | None:
    """The span of `sentence` that answers a factoid `question` of `kind`, or None."""
    q_anchors = find_anchors(question)
    q_keys = {a.key for a in q_anchors} | {w for a in q_anchors if a.kind == "name" for w in a.key.split()}
    anchors = [a for a in find_anchors(sentence) if is_new(a, q_keys)]
    spans = _candidates(kind, sentence, anchors, asks_who=bool(re.match(r"\s*(who|whom)\b", question, re.I)))
    if not spans:
        return None
    wanted = {v for t in question_terms(question) for v in term_variants(t)}
    hits = [m.start() for m in _WORD.finditer(sentence) if set(content_terms(m.group(0))) & wanted]
    if hits:
        spans.sort(key=lambda s: min(abs(s[0] - h) for h in hits))
    given = q_keys | wanted
    start, end = _trim_given_words(sentence, spans[0], given) if kind in ("person", "who", "where") else spans[0]
    end = _without_closing_punctuation(sentence, start, end)
    return ShortAnswer(sentence[start:end].strip(), start, end)


def _without_closing_punctuation(sentence: str, start: int, end: int) -> int:
    """The span's end before a full stop, comma, colon or semicolon that closes it ("23 February."),
    unless the stop belongs to an abbreviation ("U.S.", "Jan.")."""
    text = sentence[start:end].rstrip()
    end = start + len(text)
    if text[-1:] in ",;:" or (text.endswith(".") and not re.search(r"(?:\b\w\.\w?|\b[A-Z][a-z]{1,3})\.$", text)):
        return end - 1
    return end


def _trim_given_words(sentence: str, span: tuple[int, int], q_keys: set[str]) -> tuple[int, int]:
    """Drop leading words of a name that the question gave or that are titles
    ("Springfield Mayor Jane Doe" -> "Jane Doe" for "Who is the mayor of Springfield?")."""
    start, end = span
    titles = vocabulary("titles")
    for m in _WORD.finditer(sentence, start, end):
        word = m.group(0).lower().removesuffix("'s").removesuffix("’s")
        if word not in titles and not (set(content_terms(word)) & q_keys) and word not in q_keys:
            return m.start(), end
    return start, end
