"""What a collection or summary request is about: "the Iranian ambassador", "from Tehrantimes".

Once `rag/jobs/intent_classifier.py` has said an utterance is a collection or summary request, a small
parser reads it: the words are roled by `newsrag/vocab/request_words.txt` (markers such as
"about", "mention", "from"; nouns such as "article"/"articles"; words that only ask), and

1. an outlet of the index named after "from"/"by" or before "articles" ("the Tehran Times
   stories") becomes the `outlet`;
2. an ordinal ("the second one", "article 3", "the last story") becomes `ordinal`, to pick
   from a list the assistant gave just before;
3. the `topic` is what follows the first mention marker ("which articles mention X"), else
   the first topic marker ("about X", "on X"), else "of X"; with none, or nothing after it
   ("what is the Soleimani article about?"), it is the longest run of words that do not
   just ask. Asking words are trimmed from its ends; a leading "the" stays for display;
4. a topic made only of words that point back ("it", "that article", "these") is no topic:
   `refers_back` says the conversation or the collection itself is meant.

Deliberately left out: matching the topic against articles (`rag/jobs/catalog.py`) and any
list of topics, people or outlets (outlets come from the index).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from newsrag.text import words
from newsrag.vocab import mapping

_ROLES = mapping("request_words")
_ORDINALS = {word: int(position) for word, position in mapping("ordinals").items()}
_TOKEN = re.compile(r"[\w#][\w'’.-]*")  # one surface token with its offsets; meaning comes from words()
_NUMBER_AFTER = ("article", "story", "piece", "number", "no", "#", "item")


@dataclass(frozen=True)
class Request:
    """What a collection or summary request names; every field may be empty."""

    topic: str | None = None  # as the user wrote it, e.g. "the Iranian ambassador"
    outlet: str | None = None  # one of the index's outlets, as the index spells it
    ordinal: int | None = None  # 1-based position in the previous list; -1 for "the last one"
    single: bool = False  # one article was asked for ("the article", "this story")
    refers_back: bool = False  # "it", "that article", "these": the conversation or the collection


@dataclass(frozen=True)
class _Token:
    text: str
    norm: str  # the project's word form ("" for punctuation-only tokens)
    start: int
    end: int

    @property
    def role(self) -> str:
        return _ROLES.get(self.norm, "")


def _tokens(text: str) -> list[_Token]:
    out = []
    for m in _TOKEN.finditer(text):
        surface = m.group(0).rstrip(".'’-")
        norm = " ".join(words(surface)) or surface.lower()
        out.append(_Token(surface, norm, m.start(), m.start() + len(surface)))
    return out


def _squash(text: str) -> str:
    return "".join(words(text))


def _find_outlet(tokens: list[_Token], outlets: Sequence[str]) -> tuple[str, int, int] | None:
    """(outlet, first token, end token) for an outlet named as a source; longest names first."""
    for outlet in sorted(outlets, key=len, reverse=True):
        target = _squash(outlet)
        if not target:
            continue
        for i in range(len(tokens)):
            joined = ""
            for j in range(i, min(len(tokens), i + 6)):
                joined += _squash(tokens[j].text)
                if joined != target:
                    if not target.startswith(joined):
                        break
                    continue
                before = tokens[i - 1].role if i > 0 else ""
                before2 = tokens[i - 2].role if i > 1 else ""
                after = tokens[j + 1].role if j + 1 < len(tokens) else ""
                if before == "source" or (before == "article" and before2 == "source") or after in ("one", "many"):
                    return outlet, i, j + 1
                break
    return None


def _find_ordinal(tokens: list[_Token]) -> int | None:
    for i, t in enumerate(tokens):
        if t.norm in _ORDINALS:
            nxt = tokens[i + 1].role if i + 1 < len(tokens) else ""
            if nxt in ("one", "many") or i + 1 == len(tokens):
                return _ORDINALS[t.norm]
        if t.norm.lstrip("#").isdigit() and i > 0 and tokens[i - 1].norm in _NUMBER_AFTER:
            return int(t.norm.lstrip("#"))
        if t.text.startswith("#") and t.text[1:].isdigit():
            return int(t.text[1:])
    return None


def _trim(tokens: list[_Token], noun_follows: bool = False) -> list[_Token]:
    """Asking words off both ends; a leading article stays when content follows it."""
    asking = ("scaffold", "back", "one", "many", "topic", "weak", "mention", "source")
    start, end = 0, len(tokens)
    while start < end and tokens[start].role in (*asking, "article"):
        start += 1
    noun_dropped = noun_follows
    while end > start and (tokens[end - 1].role in (*asking, "article") or not tokens[end - 1].norm):
        noun_dropped = noun_dropped or tokens[end - 1].role in ("one", "many")
        end -= 1
    kept = tokens[start:end]
    # "the Iranian ambassador" keeps its "the"; "the Soleimani article" loses it with the noun
    if kept and not noun_dropped and start > 0 and tokens[start - 1].norm == "the":
        kept = [tokens[start - 1], *kept]
    return kept


def _longest_run(tokens: list[_Token]) -> list[_Token]:
    runs: list[tuple[list[_Token], bool]] = [([], False)]  # (run, whether an article noun ends it)
    for t in tokens:
        if t.role and t.role != "article":
            runs[-1] = (runs[-1][0], t.role in ("one", "many"))
            runs.append(([], False))
        else:
            runs[-1][0].append(t)
    trimmed = [_trim(run, noun) for run, noun in runs]
    return max(trimmed, key=lambda r: sum(1 for t in r if not t.role), default=[])


def _span(text: str, tokens: list[_Token]) -> str | None:
    if not tokens or all(t.role for t in tokens):
        return None
    return text[tokens[0].start : tokens[-1].end].strip(" ,;:!?")


def parse_request(text: str, outlets: Sequence[str] = ()) -> Request:
    """The topic, outlet, ordinal and number of articles a request names (see the module docstring)."""
    tokens = _tokens(text)
    outlet = None
    found = _find_outlet(tokens, outlets)
    if found is not None:
        outlet, a, b = found
        if a > 0 and tokens[a - 1].role == "article":
            a -= 1
        if a > 0 and tokens[a - 1].role == "source":
            a -= 1
        tokens = tokens[:a] + tokens[b:]
    ordinal = _find_ordinal(tokens)
    roles = [t.role for t in tokens]
    single = "one" in roles and "many" not in roles
    topic_tokens: list[_Token] = []
    for wanted in ("mention", "topic", "weak"):
        if wanted in roles:
            at = roles.index(wanted)
            topic_tokens = _trim(tokens[at + 1 :])
            if _span(text, topic_tokens) is None:
                topic_tokens = []
            if topic_tokens:
                break
    if not topic_tokens:
        topic_tokens = _longest_run(tokens)
    topic = _span(text, topic_tokens)
    if ordinal is not None and topic is not None and all(t.norm in _ORDINALS or t.norm.isdigit()
                                                         for t in topic_tokens if t.role != "article"):
        topic = None
    refers_back = topic is None and outlet is None and ordinal is None and "back" in roles
    return Request(topic=topic, outlet=outlet, ordinal=ordinal, single=single or ordinal is not None,
                   refers_back=refers_back)
