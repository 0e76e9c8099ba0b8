"""Conversations: per-session memory over a shared Assistant, and conversation starters.

`ChatSession` keeps the finished turns of one conversation and passes them to
`Assistant.ask`, which condenses follow-ups. Each session owns its history, so two
users of the same UI (same Assistant) never see each other's turns.

`example_questions` drafts questions from the indexed articles by general rules and
keeps those the offline answerer can answer:
1. "What was the <date> <noun>?" from "a/the <noun> of/on/for <date>" ("a deadline of
   September 19" -> "What was the September 19 deadline?");
2. "What happened on <date>?" from any sentence with a month-and-day date;
3. "Who is <name>?" for a person named with a title or role.

Deliberately left out: persistence of conversations (a browser session is the unit).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from newsrag.text import STOPWORDS, sentence_spans
from newsrag.types import Answer, Article, AskOptions, Turn
from rag.anchors import find_anchors

if TYPE_CHECKING:
    from rag.assistant import Assistant

DEFAULT_MAX_TURNS = 20


class ChatSession:
    """One conversation: its own history, bounded to the last `max_turns` turns."""

    def __init__(self, assistant: Assistant, max_turns: int = DEFAULT_MAX_TURNS) -> None:
        self.assistant = assistant
        self.max_turns = max_turns
        self._turns: list[Turn] = []
        self._lock = threading.Lock()  # one session may be driven from two UI events at once

    @property
    def history(self) -> tuple[Turn, ...]:
        return tuple(self._turns)

    def ask(self, question: str, options: AskOptions | None = None) -> Answer:
        with self._lock:
            answer = self.assistant.ask(question, self.history, options)
            self._remember(answer)
            return answer

    def stream(self, question: str, options: AskOptions | None = None):
        """Like Assistant.stream; the turn is remembered once the final Answer arrives."""
        with self._lock:
            for item in self.assistant.stream(question, self.history, options):
                if isinstance(item, Answer):
                    self._remember(item)
                yield item

    def _remember(self, answer: Answer) -> None:
        self._turns.append(Turn(answer.question, answer.text))
        del self._turns[: max(0, len(self._turns) - self.max_turns)]

    def reset(self) -> None:
        with self._lock:
            self._turns.clear()


_OF_DATE = re.compile(r"\b(?:a|an|the)\s+([a-z][a-z-]{2,})\s+(?:of|on|for)\s+$")
_ROLE = re.compile(r"\b(ambassador|general|commander|minister|president|spokes(?:man|woman)|chief|leader)\b"
                   r"[^.;:]{0,40}$", re.I)


def _candidates(article: Article) -> list[tuple[int, str]]:
    """(priority, question) drafts from one article; higher priority first."""
    out: list[tuple[int, str]] = []
    text = article.text
    for span in sentence_spans(text):
        sentence = span.of(text)
        for a in find_anchors(sentence):
            if a.kind == "date" and len(a.key.split()) >= 2 and any(p.isdigit() and len(p) <= 2 for p in a.key.split()):
                date = a.text.rstrip(".,")
                m = _OF_DATE.search(sentence[: a.start])
                if m and m.group(1) not in STOPWORDS:
                    out.append((3, f"What was the {date} {m.group(1)}?"))
                out.append((2, f"What happened on {date}?"))
            elif a.kind == "name" and len(a.text.split()) >= 2 and _ROLE.search(sentence[max(0, a.start - 50) : a.start]):
                out.append((1, f"Who is {a.text.removesuffix(chr(39) + 's')}?"))
    return out


def example_questions(
    articles: Sequence[Article], n: int = 4, answerable: Callable[[str], bool] | None = None, max_tries: int = 24
) -> list[str]:
    """Up to n distinct questions, the most specific kinds first, spread over articles."""
    ranked: list[tuple[int, int, int, str]] = []
    for a_index, article in enumerate(articles):
        for c_index, (priority, q) in enumerate(_candidates(article)):
            ranked.append((-priority, c_index, a_index, q))
    ranked.sort()
    chosen: list[str] = []
    used_articles: set[int] = set()
    tried: set[str] = set()
    # first pass: one question per article; second pass: fill up from any article
    for one_per_article in (True, False):
        for _, _, a_index, q in ranked:
            if len(chosen) >= n or len(tried) >= max_tries:
                break
            if q in tried or (one_per_article and a_index in used_articles):
                continue
            tried.add(q)
            if answerable is None or answerable(q):
                chosen.append(q)
                used_articles.add(a_index)
    return chosen
