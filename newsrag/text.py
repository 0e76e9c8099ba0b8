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

# Abbreviations after which a period does not end a sentence (lower-case, no period).
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen brig col lt sgt capt maj cmdr adm gov sen rep amb pres sec
    st jr sr inc ltd co corp dept est approx vs etc no nos fig al
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    """.split()
)

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

STOPWORDS = frozenset(
    """
    a an the and or but if then else of to in on at by for with from into onto over under about
    as is are was were be been being am do does did doing have has had having it its it's this
    that these those there here what which who whom whose when where why how than too very can
    could would should will shall may might must not no nor so such only own same other any some
    each few more most all both also just i me my we our you your he him his she her they them
    their us up down out off again further once s t don now said says say according told tell
    besides beside except among amongst regarding concerning via upon within without toward towards
    whether yet ever even still
    """.split()
)

# Irregular past forms -> base, so that "send" meets "sent" (news is written in the past tense).
_IRREGULAR = dict(
    pair.split(":")
    for pair in """
    sent:send made:make took:take taken:take gave:give given:give began:begin begun:begin went:go gone:go
    came:come held:hold met:meet left:leave fought:fight won:win lost:lose led:lead struck:strike
    brought:bring bought:buy thought:think found:find kept:keep built:build spoke:speak spoken:speak
    wrote:write written:write chose:choose chosen:choose saw:see seen:see knew:know known:know rose:rise
    risen:rise fell:fall fallen:fall drove:drive driven:drive ran:run threw:throw thrown:throw sought:seek
    fled:flee shot:shoot stood:stand paid:pay laid:lay meant:mean felt:feel sold:sell spent:spend
    withdrew:withdraw withdrawn:withdraw undertook:undertake undertaken:undertake arose:arise arisen:arise
    became:become broke:break broken:break caught:catch dealt:deal drew:draw drawn:draw fed:feed
    forgot:forget forgotten:forget froze:freeze frozen:freeze grew:grow grown:grow heard:hear hid:hide
    hidden:hide lent:lend rang:ring sank:sink sang:sing slept:sleep stole:steal stolen:steal swore:swear
    sworn:swear taught:teach tore:tear torn:tear understood:understand woke:wake wore:wear worn:wear
    overtook:overtake overtaken:overtake ate:eat eaten:eat bore:bear borne:bear
    """.split()
)
# Demonym endings: "Iraqi" meets "Iraq", "Iranian" meets "Iran", "Syrian" meets "Syria".
_DEMONYM_SUFFIXES = ("ian", "ese", "an", "i", "n")


def normalize(text: str) -> str:
    """Lower-case, fold typographic quotes and accents: the form used for matching."""
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
