"""What the assistant says when nothing is asked about the news: a greeting, small talk.

A greeting ("hello", "what can you do?") gets a short reply saying what the assistant does,
and suggestions drawn from the index itself: questions the offline answerer can answer
(`Assistant.example_questions`), a "which articles mention <name>?" for a name several
articles state, a "summarize the article about <name>" for a name one article states,
and "what are these articles about?". Small talk (thanks, goodbye, feedback, chit-chat)
gets one reply that fits all of them: what the assistant can talk about, and where to look
when an answer seemed wrong.

Deliberately left out: conversation for its own sake. The assistant only knows the articles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from rag.jobs.catalog import Catalog
from rag.jobs.job_draft import JobDraft, reply
from rag.language.anchors import find_anchors, person_score

OVERVIEW_EXAMPLE = "What are these articles about?"


def _count(n: int) -> str:
    return "the one news article" if n == 1 else f"the {n} news articles"


def name_examples(catalog: Catalog, max_articles: int = 30, max_names: int = 20) -> list[str]:
    """A mention example (a name several articles state) and a summary example (a name only one states).

    Names are runs of two or more capitalised words ("Qassem Soleimani", "Kurdistan Regional
    Government") in the first `max_articles` articles, people first; single words are too
    often a country or a sentence start to make a good example."""
    names: Counter[str] = Counter()
    person: Counter[str] = Counter()  # how person-like each name reads where it is written
    for entry in catalog.entries()[:max_articles]:
        seen: set[str] = set()
        for span in entry.sentences:
            sentence = span.of(entry.article.text)
            for a in find_anchors(sentence):
                name = a.text.removesuffix("'s").removesuffix("’s")
                if a.kind == "name" and len(name.split()) >= 2:
                    person[name] = max(person[name], person_score(a, sentence))
                    if name not in seen:
                        seen.add(name)
                        names[name] += 1
    spread = {name: catalog.mention_count(name) for name, _ in names.most_common(max_names)}
    out: list[str] = []
    # people make the best examples ("Which articles mention Qassem Soleimani?"), then spread
    several = max((n for n in spread if spread[n] >= 2), key=lambda n: (person[n] >= 2, spread[n], names[n]),
                  default=None)
    if several:
        out.append(f"Which articles mention {several}?")
    one = max((n for n in spread if spread[n] == 1), key=lambda n: (person[n] >= 2, names[n]), default=None)
    if one:
        out.append(f"Summarize the article about {one}")
    return out


def greeting(catalog: Catalog, examples: Callable[[int], Sequence[str]]) -> JobDraft:
    n = len(catalog.entries())
    if not n:
        return reply("greeting", "Hello! The index is empty: add some news articles, then ask me about them.")
    try:
        questions = list(examples(2))
    except Exception:  # an example that cannot be drawn must not cost the greeting
        questions = []
    suggestions = [*questions[:2], OVERVIEW_EXAMPLE, *name_examples(catalog)]
    text = (f"Hello! I answer questions about {_count(n)} in this index, quoting and citing the sentences "
            "each answer rests on. I can also say what the articles are about, list every article that "
            "mentions someone, and summarize an article. For example:")
    return reply("greeting", text, list(dict.fromkeys(suggestions)))


def smalltalk(catalog: Catalog) -> JobDraft:
    n = len(catalog.entries())
    text = (f"Noted! I only know what {_count(n)} in this index say: ask me a question about them, ask what "
            "they are about, or ask me to summarize one. If an answer looked wrong, the sources it cites "
            "show the exact sentences it rests on.")
    return reply("smalltalk", text)
