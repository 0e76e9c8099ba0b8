"""Parse an LLM's cited answer text: sentences, their `[n]` markers, bounds checks.

LLMs write citations in several shapes: `[1]`, `[1, 3]`, `[1][2]`, `[1-2]`, and they put
them before or after the full stop ("... October 3 [1]." or "... October 3. [1]").
This module turns such text into `CitedSentence`s: the sentence without markers plus
the 1-based numbers it cites, bounds-checked against the number of passages shown.

It also recognises the refusal sentence the prompts ask for ("The indexed articles
do not say."), because both the answerer and the checker must treat it as "no claim".

Deliberately left out: any judgement of whether a citation is *right*; that is
`rag/checking/support_checker.py`. Marker forms other than square-bracketed integers (e.g. "(Source 1)")
are treated as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from newsrag.text import normalize, sentence_spans

# One bracket group: [1] [1, 3] [1-2] [1; 2]. Ranges are expanded.
_GROUP = re.compile(r"\[\s*(\d{1,4}(?:\s*(?:[,;]|-|–)\s*\d{1,4})*)\s*\]")
# A run of groups, possibly separated by spaces: "[1][2]", "[1] [3]".
_RUN = re.compile(rf"(?:\s*{_GROUP.pattern})+")
_LEADING_RUN = re.compile(rf"^(?:\s*{_GROUP.pattern})+\s*")
_MAX_RANGE = 20  # "[1-999]" is garbage, not 999 citations


@dataclass(frozen=True)
class CitedSentence:
    text: str  # the sentence with every marker removed, whitespace tidied
    numbers: tuple[int, ...]  # 1-based, in order of first appearance, not yet bounds-checked


def _numbers_in_group(body: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*[,;]\s*", body.strip()):
        m = re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)", part)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if lo <= hi and hi - lo < _MAX_RANGE:
                out.extend(range(lo, hi + 1))
            else:
                out.extend((lo, hi))
        elif part.isdigit():
            out.append(int(part))
    return out


def marker_numbers(text: str) -> list[int]:
    """All cited numbers in `text`, in order, duplicates removed."""
    seen: list[int] = []
    for m in _GROUP.finditer(text):
        for n in _numbers_in_group(m.group(1)):
            if n not in seen:
                seen.append(n)
    return seen


def strip_markers(text: str) -> str:
    """The text without citation markers; "October 3 [1]." -> "October 3."."""
    out = _RUN.sub("", text)
    out = re.sub(r"\s+([.,;:!?])", r"\1", out)
    return re.sub(r"\s{2,}", " ", out).strip()


def parse_cited_text(text: str) -> list[CitedSentence]:
    """Split an answer into sentences and collect each sentence's markers.

    Markers that open a sentence ("Iran agreed. [1] Then ...") belong to the sentence
    before them: that is where writers (and LLMs) put trailing citations.

    >>> [(s.text, s.numbers) for s in parse_cited_text("Iran agreed [1]. It left. [2][3] Done [1, 4].")]
    [('Iran agreed.', (1,)), ('It left.', (2, 3)), ('Done.', (1, 4))]
    """
    pieces: list[tuple[str, list[int]]] = []
    for span in sentence_spans(text):
        raw = span.of(text)
        lead = _LEADING_RUN.match(raw)
        if lead and pieces:
            pieces[-1][1].extend(n for n in marker_numbers(lead.group(0)) if n not in pieces[-1][1])
            raw = raw[lead.end():]
        elif lead and not pieces:
            pass  # a marker before the first sentence cites that sentence
        body = strip_markers(raw)
        nums = marker_numbers(raw)
        if not re.search(r"\w", body):
            continue  # nothing but markers or punctuation left
        pieces.append((body, nums))
    return [CitedSentence(body, tuple(nums)) for body, nums in pieces]


def bounds_check(numbers: Sequence[int], passage_count: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Split cited numbers into (valid 1..passage_count, dropped)."""
    valid = tuple(n for n in numbers if 1 <= n <= passage_count)
    dropped = tuple(n for n in numbers if not 1 <= n <= passage_count)
    return valid, dropped


# The refusal the prompts ask for, and close variants LLMs produce. Only whole sentences
# that say "the sources do not answer" count: a hedge with content is still a claim.
_REFUSAL = re.compile(
    r"^(?:i'?m sorry,?\s*(?:but\s*)?)?"
    r"(?:the\s+(?:indexed\s+|provided\s+|given\s+)?(?:articles?|passages?|sources?|documents?|context)"
    r"\s+(?:do|does)\s+not\s+(?:say|mention|state|contain|answer|provide|specify|include)"
    r"|(?:i\s+)?(?:could|can)\s*not\s+find\s+(?:the\s+answer|this|that|any\s+information|information)"
    r"|(?:there\s+is\s+)?no\s+information\s+(?:about|on)\b"
    r")[^.!?]*[.!?]?$"
)


def is_refusal_sentence(text: str) -> bool:
    """Whether a sentence only says that the articles do not answer the question."""
    t = normalize(strip_markers(text)).strip()
    t = t.replace("don't", "do not").replace("doesn't", "does not").replace("cannot", "can not")
    return bool(t) and len(t) <= 200 and bool(_REFUSAL.match(t))
