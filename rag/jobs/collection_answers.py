"""Answers about the collection itself: what is in it, which articles mention X, which come from an outlet.

From a parsed `rag.jobs.job_request.Request` and the `rag.jobs.catalog.Catalog` (every article of the
index, never retrieval's top k, so a list is complete):

- no topic, no outlet ("what are these articles about?", "list the articles"): every
  article, with its lead sentence;
- an outlet ("list the articles from Tehrantimes"): the articles the index records under it;
- a topic ("which articles mention Soleimani?", "what do you have on the IRGC?"): the
  articles that mention it (`Catalog.mentions`), best first, each with the first sentence
  that states the most of the topic's words, with the count in the heading: "2 of the 6
  indexed articles mention Qassem Soleimani:". Topic and outlet combine.

Each article is one line: title, outlet and date when known (from the citation), and the
quoted sentence, cited and checked like any answer. At most `MAX_ITEMS` lines; the heading
says how many more there are. Nothing found is a plain-English refusal ("None of the 6
indexed articles mention Zorblat.").

Deliberately left out: judging relevance by meaning (a collection answer lists what the
articles state; "tell me about X" questions go to the answer path).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from newsrag.text import Span
from rag.jobs.catalog import Catalog, CatalogArticle
from rag.jobs.job_draft import LIST, JobDraft, quote, refusal
from rag.jobs.job_request import Request
from rag.language.refusal import empty_index, no_mentions, no_outlet

MAX_ITEMS = 10  # lines in one list: more is a wall of text in a chat bubble; the heading gives the count


def _count(n: int, total: int) -> str:
    """"2 of the 6 indexed articles", "the only indexed article", "all 3 indexed articles"."""
    if total == 1:
        return "The only indexed article"
    if n == total:
        return f"All {total} indexed articles"
    return f"{n} of the {total} indexed articles"


def _verb(n: int, total: int, singular: str, plural: str) -> str:
    return singular if n == 1 or total == 1 else plural


def _more(n: int) -> str:
    return f" (the first {MAX_ITEMS} of {n} are listed)" if n > MAX_ITEMS else ""


def _leads(pool: Sequence[CatalogArticle]) -> list[tuple[CatalogArticle, Span]]:
    """The first MAX_ITEMS articles with a lead sentence, each with it: only those are read."""
    with_lead = ((e, lead) for e in pool if (lead := e.lead()) is not None)
    return list(itertools.islice(with_lead, MAX_ITEMS))


def collection_job(request: Request, catalog: Catalog) -> JobDraft:
    entries = catalog.entries()
    total = len(entries)
    if not total:
        return refusal(empty_index())
    pool: Sequence[CatalogArticle] = entries
    where = ""
    if request.outlet:
        pool = catalog.from_outlet(request.outlet)
        where = f" from {request.outlet}"
        if not pool:
            return refusal(no_outlet(request.outlet, total))
    items: list[tuple[CatalogArticle, Span]]
    if request.topic:
        matches = catalog.mentions(request.topic, within=pool)
        if not matches:
            return refusal(no_mentions(request.topic + where, total))
        n = len(matches)
        items = [(m.entry, m.sentences[0] if m.sentences else m.entry.lead()) for m in matches]  # type: ignore[misc]
        heading = (f"{_count(n, total)}{where} {_verb(n, total, 'mentions', 'mention')} {request.topic}"
                   f"{_more(n)}:")
    elif request.outlet:
        n = len(pool)
        items = _leads(pool)
        heading = f"{_count(n, total)} {_verb(n, total, 'is', 'are')}{where}{_more(n)}:"
    else:
        items = _leads(pool)
        heading = ("There is 1 article in the index:" if total == 1
                   else f"There are {total} articles in the index{_more(total)}:")
    items = [(e, span) for e, span in items if span is not None][:MAX_ITEMS]
    return quote("collection", heading, items, LIST)
