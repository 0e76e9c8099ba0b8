"""Refusals in plain English: "I could not find who commands the IRGC Ground Forces in the indexed articles."

A refused question is reported back as the user asked it, turned into reported speech
where the turn is safe, and quoted where it is not:

- a wh-question whose wh-phrase is its subject keeps its order ("who commands the IRGC
  Ground Forces", "how many pilgrims were killed in the stampede");
- "wh + is/was + noun phrase" moves the verb after the noun phrase ("what the October 3
  deadline was"), or before a trailing participle ("where the Kurdish groups are based");
- "wh + did/does/do + subject + verb" drops the auxiliary and inflects the verb ("what the
  ambassador said", "when Iran ended the mission") when the verb can be found: an
  irregular verb (`newsrag/vocab/past_forms.txt`), or any verb after a plain name;
- a modal or "have" keeps its auxiliary after the subject ("when the election will take
  place"); a yes/no question becomes "whether ..." by the same rules;
- anything else (imperatives, several sentences, subjects the rules cannot bound) is
  quoted: 'I could not find an answer to “When did the court allow worship?” in the
  indexed articles.', which is always grammatical and keeps every word.

Also the refusals of the other jobs: nothing in the collection mentions a topic, no
article matches a summary request, an empty index.

Deliberately left out: a parser. The rules only turn what they can bound; the quote is
the fallback, never a broken sentence.
"""

from __future__ import annotations

from newsrag.text import STOPWORDS
from newsrag.vocab import mapping, vocabulary

_AUX = mapping("auxiliaries")
_WH = vocabulary("question_words")
_DETERMINERS = vocabulary("determiners")
_PAST = mapping("past_forms")
_THIRD = mapping("third_person")
_PARTICIPLES = frozenset(mapping("irregular_verbs")) | frozenset(_PAST.values())
_WHERE = "in the indexed articles"


def _bare(word: str) -> str:
    return word.strip(",;:").lower()


def _is_name(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit()


def _is_possessive(word: str) -> bool:
    return word.endswith(("'s", "’s", "'", "’"))


def _function(word: str) -> bool:
    return _bare(word) in STOPWORDS


def _np_start(word: str) -> bool:
    return _bare(word) in _DETERMINERS or _is_name(word)


def _participle_like(word: str) -> bool:
    w = _bare(word)
    return (not _is_name(word) and w.isalpha()
            and (w.endswith(("ed", "en", "wn", "rn", "ing")) or w in _PARTICIPLES))


def _name_run(rest: list[str]) -> int:
    """How many words at the start are a plain name ("Iran", "Doris Day"), not a possessive."""
    n = 0
    while n < len(rest) and _is_name(rest[n]) and not _is_possessive(rest[n]) and not _function(rest[n]):
        n += 1
        if n + 1 < len(rest) and _bare(rest[n]) in ("and", "&") and _is_name(rest[n + 1]):
            n += 1  # "Qassem Soleimani and Abu Mahdi": one subject
    return n


def _simple_np(words: list[str]) -> bool:
    """A short noun phrase the rules can bound: "the stampede", "Iran's ambassador", "the IRGC"."""
    if not words or len(words) > 4:
        return False
    body = words[1:] if _bare(words[0]) in _DETERMINERS else words
    return bool(body) and not any(_function(w) for w in body)


def _participle_at(rest: list[str]) -> int | None:
    """The participle that ends the clause ("(the groups) based", "(the committee) set up");
    -1 when a word looks like one but content follows it (a reduced relative? unsure)."""
    for i in range(1, len(rest)):
        w = _bare(rest[i])
        before = _bare(rest[i - 1])
        if not _participle_like(rest[i]) or w.endswith("ing") or (_function(rest[i - 1]) and before != "being"):
            continue
        if not all(_function(t) for t in rest[i + 1 :]):
            return -1
        return i - 1 if before == "being" and i > 1 else i  # "(the census) is being held"
    return None


def _verb_at(rest: list[str]) -> int | None:
    """Where the main verb starts: a word after a plain name that can only be a verb there ("Iran
    end the mission"), or an irregular verb after a short noun phrase ("the ambassador say")."""
    n = _name_run(rest)
    if 0 < n < len(rest):
        w = _bare(rest[n])
        after = rest[n + 1] if n + 1 < len(rest) else ""
        if (w.isalpha() and not _function(rest[n]) and not _is_name(rest[n])
                and not (w.endswith("s") and not w.endswith("ss")) and not w.endswith("ly")
                and (not after or _function(after) or _np_start(after))):
            return n
    for i in range(1, min(len(rest), 5)):
        if _bare(rest[i]) in _PAST and not _is_name(rest[i]) and _simple_np(rest[:i]):
            return i
    return None


def _past(verb: str) -> str | None:
    if verb in _PAST:
        return _PAST[verb]
    if verb.endswith("e"):
        return verb + "d"
    vowels = "aeiou"
    if len(verb) > 2 and verb.endswith("y") and verb[-2] not in vowels:
        return verb[:-1] + "ied"
    if len(verb) >= 3 and verb[-1] not in vowels + "wxy" and verb[-2] in vowels and verb[-3] not in vowels:
        return None  # "stop" -> "stopped", "visit" -> "visited": doubling depends on stress; quote instead
    return verb + "ed"


def _third(verb: str) -> str:
    if verb in _THIRD:
        return _THIRD[verb]
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if len(verb) > 2 and verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _join(*parts: str | list[str]) -> str:
    out: list[str] = []
    for part in parts:
        out.extend(part if isinstance(part, list) else [part])
    return " ".join(p for p in out if p)


def _be_clause(opener: str, adverbial: bool, aux: str, rest: list[str]) -> str | None:
    if not _np_start(rest[0]):
        # the wh-phrase is the subject: "who was killed ...", "what is known about ..."
        if opener != "whether" and not adverbial and _participle_like(rest[0]):
            return _join(opener, aux, rest)
        return None
    if any(t.endswith(",") for t in rest):
        return None  # an apposition ("Ahmed Mohamed, the Texas boy ..."): the subject cannot be bounded
    n = _name_run(rest)
    if 0 < n < len(rest) and not _is_name(rest[n]) and (
            _participle_like(rest[n]) or (_function(rest[n]) and _bare(rest[n]) not in ("and", "or", "of"))):
        return _join(opener, rest[:n], aux, rest[n:])  # "(how effective) Turkovac is at preventing ..."
    at = _participle_at(rest)
    if at == -1:
        return None
    if at is None:  # a progressive after a short subject: "(Argentina) is spending to ..."
        at = next((i for i in range(1, len(rest) - 1) if _bare(rest[i]).endswith("ing") and not _is_name(rest[i])
                   and _simple_np(rest[:i]) and not _is_possessive(rest[i - 1])
                   and (_function(rest[i + 1]) or _np_start(rest[i + 1]))), None)
    if at is not None:
        return _join(opener, rest[:at], aux, rest[at:])
    if opener == "whether" or (adverbial and not _simple_np(rest)):
        return None
    if len(rest) > 1 and _function(rest[-1]):  # "what the meeting was about"
        return _join(opener, rest[:-1], aux, rest[-1])
    return _join(opener, rest, aux)


def _after_aux(opener: str, adverbial: bool, aux: str, rest: list[str]) -> str | None:
    """`opener` ("what", "when", "whether") + the clause `aux rest` in statement order, or None."""
    aux = aux.lower()
    kind = _AUX[aux]
    if not rest or (_function(rest[0]) and _bare(rest[0]) not in _DETERMINERS):
        return None  # pronoun subjects ("it", "they") and "there": quoted
    if kind == "be":
        return _be_clause(opener, adverbial, aux, rest)
    at = _participle_at(rest) if kind == "have" else None
    if at == -1:
        return None
    if at is None:
        at = _verb_at(rest)
    if at is None:
        return None
    subject, verb, tail = rest[:at], _bare(rest[at]), rest[at + 1 :]
    if kind == "do":
        inflected = {"did": _past(verb), "does": _third(verb), "do": verb}[aux]
        return _join(opener, subject, inflected, tail) if inflected else None
    return _join(opener, subject, aux, rest[at:])


def reported(question: str) -> str | None:
    """The question as a reported clause ("what the deadline was"), or None when unsafe to turn."""
    q = " ".join(question.split()).rstrip("?!. ").strip()
    if not q or any(mark in q for mark in "?!;:\"“”") or ". " in q:
        return None
    toks = q.split()
    if any(t.lower().endswith(("n't", "n’t")) for t in toks):
        return None  # "why couldn't she ...": negated auxiliaries are quoted
    if any(_bare(t) in _WH and (toks[i - 1].endswith(",") or _bare(toks[i - 1]) in ("and", "or"))
           for i, t in enumerate(toks) if i > 0):
        return None  # two questions in one ("who is X, and what did he say?")
    first = _bare(toks[0])
    if first in _WH:
        aux_at = next((i for i, t in enumerate(toks[:8]) if _bare(t) in _AUX and i > 0), None)
        if aux_at is None:  # the wh-phrase is the subject: "who commands ...", "what caused ..."
            if len(toks) < 2 or _function(toks[1]) or any(_AUX.get(_bare(t)) == "do" for t in toks):
                return None
            return _join(first, toks[1:])
        opener = _join(first, toks[1:aux_at])
        adverbial = first in ("why", "when", "where") or (first == "how" and _bare(toks[1]) not in ("many", "much"))
        return _after_aux(opener, adverbial, toks[aux_at], toks[aux_at + 1 :])
    if first in _AUX:
        return _after_aux("whether", False, toks[0], toks[1:])
    return None


def question_refusal(question: str) -> str:
    """The refusal of a question, in a sentence that keeps every word the user asked with."""
    clause = reported(question)
    if clause:
        return f"I could not find {clause} {_WHERE}."
    quoted = " ".join(question.split())
    return f"I could not find an answer to “{quoted}” {_WHERE}."


def no_mentions(topic: str, total: int) -> str:
    return f"None of the {_articles(total)} mentions {topic}." if total == 1 else (
        f"None of the {_articles(total)} mention {topic}.")


def no_outlet(outlet: str, total: int) -> str:
    return f"None of the {_articles(total)} is from {outlet}."


def no_article_about(topic: str) -> str:
    return f"I could not find an article about {topic} {_WHERE}."


def nothing_to_refer_to() -> str:
    return "I could not tell which article you mean; name it, for example “Summarize the article about …”."


def empty_index() -> str:
    return "There are no articles in the index yet; add some first."


def _articles(total: int) -> str:
    return "indexed article" if total == 1 else f"{total} indexed articles"
