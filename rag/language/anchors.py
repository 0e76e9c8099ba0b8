"""Anchors: the dates, numbers and names that make a sentence specific, and question kinds.

A sentence that says "September 19" is only supported by a passage that says
September 19 too; a question that asks about "the October 3 deadline" is only
answered by evidence that mentions October 3. The answerer, the refusal rule and
the support checker all compare anchors, so they are found in one place.

Matching uses normalised keys: "Sept. 19", "19 September" and "September 19th" share
the key "september 19"; "1,500" and "1500" share "1500"; "forty" is "40".

Deliberately left out: a named-entity model (none is available offline); names are
capitalised word runs, which is what news copy gives us.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from newsrag.text import content_terms, normalize, term_variants
from newsrag.vocab import mapping, vocabulary

MONTHS = mapping("months")
WEEKDAYS = vocabulary("weekdays")
NUMBER_WORDS = {word: int(value) for word, value in mapping("number_words").items()}

_MONTH_RE = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
             r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?")
_DATE = re.compile(
    rf"\b(?:{_MONTH_RE}\s+\d{{1,2}}(?!\d)(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_RE}(?:,?\s+\d{{4}})?"
    rf"|{_MONTH_RE}\s+\d{{4}}"
    rf"|(?<![\w-])(?:19|20)\d\d(?![\w-]))"
)
_MONTH_ONLY = re.compile(rf"\b{_MONTH_RE}(?![\w])")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:\s?%|\s?percent)?(?![\w])|\b\d+(?:st|nd|rd|th)\b")
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
# A run of capitalised words, allowing joiners inside: "Revolution Guards Corps", "Al-e Sadeq",
# "Abu Mahdi al-Muhandis", "Kurdistan Regional Government (KRG)".
_CAP = r"(?:[A-Z][\w'’.-]*[\w]|[A-Z])"
_NAME = re.compile(rf"{_CAP}(?:\s+(?:(?:al|el|bin|ibn|de|of|the|for)[-\s]+)?{_CAP})*")

_NOT_NAMES = vocabulary("not_names")  # capitalised words that are not names on their own
_TITLE_WORDS = vocabulary("titles")


AnchorKind = Literal["date", "number", "name"]


@dataclass(frozen=True)
class Anchor:
    kind: AnchorKind
    text: str  # as written
    key: str  # normalised form used for matching
    start: int
    end: int


def _date_key(text: str) -> str:
    t = normalize(text).replace(".", "").replace(",", "")
    t = re.sub(r"(\d+)(st|nd|rd|th)\b", r"\1", t).replace(" of ", " ")
    parts = t.split()
    month = next((MONTHS[p] for p in parts if p in MONTHS), None)
    nums = [p for p in parts if p.isdigit()]
    day = next((n for n in nums if len(n) <= 2), None)
    year = next((n for n in nums if len(n) == 4), None)
    return " ".join(p for p in (month, day, year) if p)


def number_key(text: str) -> str:
    t = normalize(text).replace("percent", "%").replace(" ", "")
    t = re.sub(r"(\d)(st|nd|rd|th)$", r"\1", t)
    if t in NUMBER_WORDS:
        return str(NUMBER_WORDS[t])
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?%?", t):
        t = t.replace(",", "")
    return t


def name_key(text: str) -> str:
    return " ".join(w.removesuffix("'s") for w in re.split(r"[\s-]+", normalize(text)) if w)


def find_anchors(text: str) -> list[Anchor]:
    """Dates, numbers and names in `text`, non-overlapping, in order of appearance.

    >>> [(a.kind, a.key) for a in find_anchors("Tehran set a deadline of Sept. 19 for 2 groups.")]
    [('name', 'tehran'), ('date', 'september 19'), ('number', '2')]
    """
    taken: list[tuple[int, int]] = []
    found: list[Anchor] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for m in _DATE.finditer(text):
        key = _date_key(m.group(0))
        if key:
            found.append(Anchor("date", m.group(0), key, m.start(), m.end()))
            taken.append((m.start(), m.end()))
    for m in _NUMBER.finditer(text):
        if free(m.start(), m.end()):
            found.append(Anchor("number", m.group(0), number_key(m.group(0)), m.start(), m.end()))
            taken.append((m.start(), m.end()))
    for m in _NUMBER_WORD.finditer(text):
        if free(m.start(), m.end()) and m.group(0).lower() not in ("one",):
            found.append(Anchor("number", m.group(0), number_key(m.group(0)), m.start(), m.end()))
            taken.append((m.start(), m.end()))
    for s, e in _name_runs(text):
        words = text[s:e].split()
        # Trim leading words that are capitalised only because they are function words or titles.
        while words and words[0].lower().strip(".") in _NOT_NAMES:
            s += len(words[0])
            while s < e and text[s].isspace():
                s += 1
            words = words[1:]
        if not words or not free(s, e):
            continue
        phrase = text[s:e].rstrip(".")
        if phrase.lower() in _NOT_NAMES:
            continue
        if _MONTH_ONLY.fullmatch(phrase) or phrase.lower() in WEEKDAYS:
            continue
        found.append(Anchor("name", phrase, name_key(phrase), s, s + len(phrase)))
        taken.append((s, e))
    found.sort(key=lambda a: a.start)
    return found


_POSSESSIVE_JOIN = re.compile(r"['’]s\s+(?=[A-Z])")


def _name_runs(text: str) -> list[tuple[int, int]]:
    """Capitalised runs, split after a possessive: "Iraq’s Foreign Minister Fuad Hussein" is
    the place "Iraq’s" and the person "Foreign Minister Fuad Hussein", not one name."""
    runs = []
    for m in _NAME.finditer(text):
        s = m.start()
        for j in _POSSESSIVE_JOIN.finditer(text, m.start(), m.end()):
            runs.append((s, j.start() + 2))
            s = j.end()
        runs.append((s, m.end()))
    return runs


def anchor_in(anchor: Anchor, text: str, text_anchors: list[Anchor] | None = None) -> bool:
    """Whether `text` states the same date/number/name as `anchor`.

    Names match when every word of the name that is not a title occurs in the text
    ("General Qaani" matches "Qaani"); dates and numbers match by normalised key.
    """
    norm = normalize(text)
    if anchor.kind == "name":
        toks = [w for w in name_key(anchor.text).split() if w not in _TITLE_WORDS]
        if not toks:
            return True
        words = set(re.findall(r"[\w']+", norm.replace("-", " ")))
        words |= set(re.findall(r"\w+(?:\.\w+)+", norm))  # dotted abbreviations: "U.S", "U.N"
        words |= {w[:-2] for w in words if w.endswith("'s")}
        return all(t.removesuffix("'s") in words for t in toks)
    others = text_anchors if text_anchors is not None else find_anchors(text)
    if anchor.kind == "date":
        for other in others:
            if other.kind != "date":
                continue
            mine, theirs = anchor.key.split(), other.key.split()
            # "September 19" is stated by "September 19, 2023"; "2023" alone by "March 19, 2023".
            if all(p in theirs for p in mine):
                return True
        return False
    return any(o.kind == "number" and o.key == anchor.key for o in others) or (
        anchor.key.isdigit() and any(o.kind == "date" and anchor.key in o.key.split() for o in others)
    )


# The interrogative phrase names the type of the answer; general English, in priority order.
_KIND_PATTERNS = (
    ("when", re.compile(
        r"^\s*(when|what (date|day|month|year|time)|by when|since when|on what (date|day))\b"
        r"|\bwhat was the date\b|\b(in |on )?(which|what) (day|date|month|year)\b|\bwhat time\b", re.I)),
    ("duration", re.compile(r"\bhow long\b|\bfor how many (days|weeks|months|years|hours)\b", re.I)),
    ("number", re.compile(
        r"\bhow (many|far|old|large|big|wide|often|tall|high|deep)\b"
        r"|\bwhat (number|percentage|percent|proportion|share|distance|age|rate|fraction|size|score|margin)\b", re.I)),
    ("amount", re.compile(r"\bhow much\b|\bwhat (amount|sum|price|cost|fine|budget|salary|fee|value)\b", re.I)),
    # "Who is/was X?" asks who a person is; "Who set the deadline?" may be answered by a country.
    ("person", re.compile(
        r"^\s*(who|whom|whose)\s+(is|was|are|were)\b"
        r"|\bwhich (official|person|people|commander|minister|general|leader|spokes\w+)\b"
        r"|\bwhat (is|are|was|were) the names? of\b", re.I)),
    ("who", re.compile(
        r"\b(which|what) (country|agency|group|organi[sz]ation|newspaper|outlet|company|party|body|team|club|court"
        r"|university|institution|firm)\b|\bwho\b", re.I)),
    ("where", re.compile(
        r"^\s*where\b|\bin (which|what) (city|country|region|place|province|town|state|area)\b"
        r"|\b(what|which) (city|country|region|place|town|village|state|venue|location|area|county|island|street"
        r"|province)\b", re.I)),
    ("why", re.compile(r"^\s*why\b|\bwhat (was|is|were|are) the (reason|cause)s?\b|\bfor what reason\b", re.I)),
)


# What "when", "how much" and "how long" can be answered with besides a date or number.
_WHEN_WORDS = re.compile(
    rf"\b(today|yesterday|tonight|last (week|month|year|night)|earlier (this|that) (week|month|year)|"
    rf"(this|next) (week|month|year)|(late|early) last (week|month|year)|{_MONTH_RE}|"
    rf"monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend|spring|summer|autumn|fall|winter)\b",
    re.I,
)
_DURATION_WORDS = re.compile(r"\b(seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centur(y|ies)|"
                             r"overnight|briefly|long|short(ly)?|permanent(ly)?|temporar(y|ily)|indefinite(ly)?)\b",
                             re.I)
_AMOUNT_WORDS = re.compile(r"\b(minor|major|significant(ly)?|substantial(ly)?|considerabl[ey]|heavy|heavily|light|"
                           r"little|slight(ly)?|extensive(ly)?|severe(ly)?|serious(ly)?|limited|huge|massive|modest|"
                           r"small|large|enormous|negligible|millions?|billions?|trillions?|hundreds|thousands|dozens)\b",
                           re.I)
_ORG_WORDS = vocabulary("org_words")
_ROLE_BEFORE = re.compile(
    r"\b(ambassador|general|commander|minister|president|spokes(?:man|woman|person)|chief|deputy|leader|"
    r"official|envoy|head|secretary|director|mr|mrs|ms|dr|prof|sen|gov|king|prince|premier|mayor|counterpart|"
    r"lieutenant|colonel|major|brigadier|captain|admiral|judge|governor|chairman|ceo|analyst|professor)\b"
    r"[\s,]*(?:\w+[\s,]+){0,3}$",
    re.I,
)
_PLACE_BEFORE = re.compile(r"\b(to|in|into|from|at|near|of|across|toward|towards)\s+$", re.I)
_SPEECH_AFTER = re.compile(r"^[\s,]*(?:\w+\s+){0,2}?(said|says|told|stated|added|noted|stressed|announced|"
                           r"declared|confirmed|warned|urged|insisted|explained|argued|wrote)\b", re.I)


def person_score(anchor: Anchor, text: str) -> int:
    """How person-like a name is in its sentence: -1 an organisation or a place after a
    preposition, else +2 for a role word just before it, +1 for a speech verb after it,
    +1 for two or more words. No NER model is available offline; news copy gives these cues."""
    toks = normalize(anchor.text).replace("-", " ").split()
    if any(t in _ORG_WORDS for t in toks):
        return -1
    before = text[max(0, anchor.start - 60) : anchor.start]
    if _PLACE_BEFORE.search(before):
        return -1
    score = 0
    if _ROLE_BEFORE.search(before) or any(t in _TITLE_WORDS for t in toks[:-1]):
        score += 2
    if _SPEECH_AFTER.match(text[anchor.end : anchor.end + 40]):
        score += 1
    if len([t for t in toks if t not in _TITLE_WORDS]) >= 2:
        score += 1
    return score


def role_context(anchor: Anchor, text: str) -> str:
    """The words that give a name its role: up to eight words before it, the name's own title
    words, and an appositive after it ("army commander Brigadier General X", "X, deputy
    commander for ground forces,")."""
    before = " ".join(text[max(0, anchor.start - 80) : anchor.start].split()[-8:])
    after = re.match(r"\s*,([^,.;:]{0,80})", text[anchor.end :])
    return f"{before} {anchor.text} {after.group(1) if after else ''}"


def role_match(question_words: set[str], anchor: Anchor, text: str) -> float:
    """Share of the question's role words found next to a name (0..1); demonyms count."""
    if not question_words:
        return 0.0
    near = set(content_terms(role_context(anchor, text)))
    return sum(1 for w in question_words if term_variants(w) & near) / len(question_words)


def question_kind(question: str) -> str:
    """The kind of answer asked for: when, duration, number, amount, person, who, where, why or other.

    >>> question_kind("How far from the border did Iran tell ISIL to stay?")
    'number'
    >>> question_kind("Who is Iraq's interior minister?")
    'person'
    """
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(question):
            return kind
    return "other"


def satisfies_kind(kind: str, sentence_anchors: list[Anchor], sentence: str) -> bool:
    """Whether a sentence contains the type of thing a question of `kind` asks for.

    `sentence_anchors` are the sentence's anchors minus those the question already gave.
    """
    if kind == "when":
        return any(a.kind == "date" for a in sentence_anchors) or bool(_WHEN_WORDS.search(sentence))
    if kind == "number":
        return any(a.kind == "number" for a in sentence_anchors)
    if kind == "duration":
        return any(a.kind in ("number", "date") for a in sentence_anchors) or bool(_DURATION_WORDS.search(sentence))
    if kind == "amount":
        return any(a.kind == "number" for a in sentence_anchors) or bool(_AMOUNT_WORDS.search(sentence))
    if kind == "person":
        return any(a.kind == "name" and person_score(a, sentence) >= 1 for a in sentence_anchors)
    if kind in ("who", "where"):
        return any(a.kind == "name" for a in sentence_anchors)
    return True
