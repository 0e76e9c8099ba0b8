"""Deterministic follow-up rewriting: "What did he say about it?" -> a standalone query.

Used when no LLM is configured (and when the LLM condenser fails). A question is a
follow-up when there is history and it leans on it: a pronoun (he, she, they, it, his,
her, their, this, that, there ...), an opener like "what about" / "and", or it is so
short that it cannot stand alone (two content words or fewer, no name of its own).

Rewriting, in order:
1. personal pronouns (he/him/his/she/her) are replaced by the most recent person-like
   name of the previous turn (its answer first, then its question). A name is
   person-like when a title or role word precedes it or a speech verb follows it, and
   it is not an organisation ("... Agency", "... TV");
2. "what about X?" reuses the previous question with X swapped for its anchor of the
   same kind (a date for a date, a name for a name), or adds X to it;
3. otherwise the previous question's key names and terms are appended, so retrieval
   and the answerer see the topic.
Non-follow-ups come back unchanged.

Deliberately left out: coreference resolution proper (no model offline); the rules
aim at the common chat pattern of one entity carried over from the previous turn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsrag.text import content_terms, words
from newsrag.tuning import ConversationTuning
from newsrag.types import Turn
from rag.language.anchors import find_anchors, person_score, question_kind, role_match
from rag.language.cited_text import strip_markers

_PERSONAL = ("he", "him", "his", "she", "her", "hers")
_OTHER_REFERENCES = ("they", "them", "their", "theirs", "it", "its", "this", "that", "these", "those", "there",
                     "the same", "the former", "the latter")
_OPENERS = re.compile(r"^\s*(what about|how about|and|and what about|what of|also|same for)\b[\s,]*", re.I)


def _has_word(text: str, phrases: Sequence[str]) -> str | None:
    low = " " + " ".join(words(text)) + " "
    for p in phrases:
        if f" {p} " in low:
            return p
    return None


def is_follow_up(question: str, history: Sequence[Turn]) -> bool:
    """Whether `question` needs the conversation to be understood."""
    if not history:
        return False
    if _OPENERS.match(question) or _has_word(question, _PERSONAL):
        return True
    own_names = [a for a in find_anchors(question) if a.kind == "name"]
    if _has_word(question, _OTHER_REFERENCES) and not own_names:
        return True
    return len(content_terms(question)) <= 2 and not own_names


def person_name(text: str) -> str | None:
    """The most recent person-like name in `text` (the latest among the best scored)."""
    best: tuple[int, int, str] | None = None
    for a in find_anchors(text):
        if a.kind != "name":
            continue
        score = person_score(a, text)
        if score < 2:
            continue
        if best is None or (score, a.start) >= best[:2]:
            best = (score, a.start, a.text.removesuffix("'s").removesuffix("’s"))
    return best[2] if best else None


def answered_entity(turn: Turn, max_words: int = ConversationTuning.short_answer_words) -> str | None:
    """The previous answer itself when it is short enough to be the entity ("Marzieh Afkham.")."""
    answer = strip_markers(turn.answer).strip().rstrip(".!").strip()
    if not answer or len(answer.split()) > max_words:
        return None
    return re.sub(r"^(The|A|An)\b", lambda m: m.group(0).lower(), answer)


def _person_of(turn: Turn, short_answer_words: int) -> str | None:
    """The person a turn is about: for a "who" question, the short answer itself or the person
    whose role best matches the question; otherwise the latest person-like name."""
    answer = strip_markers(turn.answer)
    if question_kind(turn.question) in ("person", "who"):
        entity = answered_entity(turn, short_answer_words)
        anchors = find_anchors(entity) if entity else []
        if entity and anchors and anchors[0].kind == "name":
            return entity
        answering = person_answering(turn.question, answer)
        if answering:
            return answering
    return person_name(answer) or person_name(turn.question)


def person_answering(question: str, answer: str) -> str | None:
    """The person in `answer` whose role words ("Defense Minister", "army commander") overlap the
    question most; earlier names win ties, since the answer's first sentence is its best."""
    asked = {w for a in find_anchors(question) for w in a.key.split()}
    wanted = set(content_terms(question))  # role words count even when capitalised as a name
    best: tuple[float, int, str] | None = None
    for a in find_anchors(answer):
        if a.kind != "name" or set(a.key.split()) <= asked or person_score(a, answer) < 2:
            continue
        overlap = role_match(wanted, a, answer)
        if best is None or overlap > best[0]:
            best = (overlap, a.start, a.text.removesuffix("'s").removesuffix("’s"))
    return best[2] if best else None


def key_context(question: str) -> str:
    """The names and content terms of a question, for appending to an elliptical follow-up."""
    names = [a.text for a in find_anchors(question) if a.kind in ("name", "date", "number")]
    name_words = set(words(" ".join(names)))
    rest = [w for w in words(question) if content_terms(w) and w not in name_words]
    return " ".join(dict.fromkeys([*names, *rest]))


def _replace_personal(question: str, name: str) -> str:
    def sub(m: re.Match[str]) -> str:
        word = m.group(0).lower()
        if word in ("his", "hers"):
            return f"{name}'s"
        return name

    return re.sub(r"\b(he|him|his|she|hers)\b", sub, question, flags=re.I)


def _replace_it(question: str, entity: str) -> str:
    return re.sub(r"\b(it|its)\b", lambda m: f"{entity}'s" if m.group(0).lower() == "its" else entity,
                  question, flags=re.I)


def _what_about(rest: str, previous_question: str) -> str:
    """"What about X?" -> the previous question with X in place of its same-kind anchor."""
    target = rest.strip().rstrip("?").strip()
    new = find_anchors(target)
    if new:
        same = [a for a in find_anchors(previous_question) if a.kind == new[0].kind]
        if same:
            a = same[-1]
            return previous_question[: a.start] + target + previous_question[a.end :]
    return f"{previous_question.rstrip('?').strip()} {target}?"


def condense_question(history: Sequence[Turn], question: str, tuning: ConversationTuning = ConversationTuning()) -> str:
    """A standalone query for `question`, given the finished turns before it."""
    question = question.strip()
    if not is_follow_up(question, history):
        return question
    prev = history[-1]
    prev_answer = strip_markers(prev.answer)
    opener = _OPENERS.match(question)
    if opener and question[opener.end() :].strip():
        return _what_about(question[opener.end() :], prev.question)
    if _has_word(question, _PERSONAL):
        name = None
        for turn in reversed(history):
            name = _person_of(turn, tuning.short_answer_words)
            if name:
                break
        if name:
            return _replace_personal(question, name)
    if re.search(r"\b(it|its)\b", question, re.I) and question_kind(prev.question) not in ("person", "who"):
        entity = answered_entity(prev, tuning.short_answer_words)
        if entity:
            return _replace_it(question, entity)
    context = key_context(prev.question) or key_context(prev_answer)
    if not context:
        return question
    return f"{question.rstrip('?').strip()} ({context})?" if question.endswith("?") else f"{question} ({context})"
