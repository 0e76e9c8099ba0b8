"""Conversation starters: questions drafted from the indexed articles by general rules.

`example_questions` keeps those a caller's `answerable` check accepts (the Assistant asks
its offline answerer):
1. "What was the <date> <noun>?" from "a/the <noun> of/on/for <date>" ("a deadline of
   September 19" -> "What was the September 19 deadline?");
2. "What happened on <date>?" from any sentence with a month-and-day date;
3. "Who is <name>?" for a person named with a title or role.

Deliberately left out: answering them (the caller's `answerable`), and any per-corpus list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from newsrag.text import STOPWORDS, sentence_spans
from newsrag.types import Article
from rag.language.anchors import find_anchors

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
            elif (a.kind == "name" and len(a.text.split()) >= 2
                  and _ROLE.search(sentence[max(0, a.start - 50) : a.start])):
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
