"""Sentence spans and word tokens, shared by the chunker, the answerer and the checker.

One sentence splitter for the whole product, so that a sentence the chunker kept
whole is the same sentence the answerer quotes and the checker reads. It returns
character spans, never copies, so offsets stay exact.

Deliberately left out: language-specific models (punkt, spaCy). News English is the
target; other scripts fall back to splitting on sentence punctuation and newlines.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from newsrag.vocab import mapping, vocabulary

_ABBREVIATIONS = vocabulary("abbreviations")  # a period after these does not end a sentence

# A candidate end: . ! ? (or an ellipsis) plus closing quotes/brackets, then whitespace.
_END = re.compile(r"""([.!?]+|…)(["'”’)\]]*)(?=\s)""")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_NEXT_START = re.compile(r"""\s+(["'“‘(\[]*)(\S)""")


@dataclass(frozen=True)
class Span:
    start: int
    end: int

    def of(self, text: str) -> str:
        return text[self.start : self.end]


def _is_abbreviation(text: str, dot: int) -> bool:
    m = _WORD_BEFORE.search(text, 0, dot)
    if not m:
        return False
    word = m.group(1)
    if "." in word:  # U.S. / U.N. / e.g.
        return True
    if len(word) == 1 and word.isupper():  # an initial: "John F. Kennedy"
        return True
    return word.lower() in _ABBREVIATIONS


def _split_line(text: str, start: int, end: int) -> list[Span]:
    spans: list[Span] = []
    cursor = start
    for m in _END.finditer(text, start, end):
        if m.group(1) == "." and _is_abbreviation(text, m.start()):
            continue  # "Sept. 17", "U.S. officials", "Brig. Gen.": rarely a real end in news
        nxt = _NEXT_START.match(text, m.end(), end)
        if nxt and nxt.group(2).islower():
            continue  # "said p.m. today", "the No. one": lower-case continuation
        spans.append(Span(cursor, m.end()))
        cursor = m.end()
    spans.append(Span(cursor, end))
    return spans


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of text[start:end] as spans into `text`, trimmed, never empty.

    Newlines always end a sentence (news paragraphs and headlines are lines).

    >>> t = 'U.S. officials met on Sept. 17. Iran agreed. "Yes," he said.'
    >>> [s.of(t) for s in sentence_spans(t)]
    ['U.S. officials met on Sept. 17.', 'Iran agreed.', '"Yes," he said.']
    """
    end = len(text) if end is None else end
    out: list[Span] = []
    line_start = start
    while line_start < end:
        nl = text.find("\n", line_start, end)
        line_end = end if nl == -1 else nl
        for span in _split_line(text, line_start, line_end):
            s, e = span.start, span.end
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s:
                out.append(Span(s, e))
        line_start = line_end + 1
    return out


_TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*", re.UNICODE)

STOPWORDS = vocabulary("stopwords")

# Irregular past forms -> base, so that "send" meets "sent" (news is written in the past tense).
_IRREGULAR = mapping("irregular_verbs")
# Demonym endings: "Iraqi" meets "Iraq", "Iranian" meets "Iran", "Syrian" meets "Syria".
_DEMONYM_SUFFIXES = ("ian", "ese", "an", "i", "n")


def normalize(text: str) -> str:
    """Lower-case, fold typographic quotes and accents: the form used for matching."""
    if text.isascii():  # nothing to fold (most news copy): skip the per-character pass
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').lower()


def words(text: str) -> list[str]:
    """Normalized word tokens; possessive 's is dropped ("Iran's" -> "iran")."""
    out = []
    for tok in _TOKEN.findall(normalize(text)):
        if tok.endswith("'s"):
            tok = tok[:-2]
        out.append(tok.strip("."))
    return [t for t in out if t]


def stem(word: str) -> str:
    """A deliberately light stemmer: plurals, -ing, -ed, and a final -e, so that
    "deadline"/"deadlines" and "state"/"stated"/"states" meet. Not a linguistic root.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    word = _IRREGULAR.get(word, word)
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # "planned" -> "plan"
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def term_variants(term: str) -> frozenset[str]:
    """A content term and its country/demonym partners ("iraq" <-> "iraqi", "iran" <-> "iranian").

    >>> sorted(term_variants("iraq"))[:3]
    ['iraq', 'iraqan', 'iraqese']
    """
    out = {term}
    if len(term) >= 4 and term.isalpha():
        out.update(term + suffix for suffix in _DEMONYM_SUFFIXES)
        for suffix in _DEMONYM_SUFFIXES:
            if term.endswith(suffix) and len(term) - len(suffix) >= 4:
                out.add(term[: -len(suffix)])
    return frozenset(out)


def content_terms(text: str) -> list[str]:
    """Stemmed words minus stopwords: the unit of lexical overlap everywhere."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]
