"""What each MCP tool returns: a structured result (its output schema) and the same result as markdown text.

An MCP host hands the text to its model and may read the structured content itself, so
both carry the whole result: for `ask` the answer and its citations (the shapes of
`service/answer_shapes.py`, as the OpenAI API returns them), for `search` the passages
with their articles, for `timeline` the dated sentences with their resolved dates, for
`list_articles` the articles with their outlets and dates.

Deliberately left out: the scores behind an answer (timings, confidence) and each
passage's sentence vectors; a host has no use for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from newsrag.filters import describe
from newsrag.types import Answer, ArticleFacet, Passage, SearchFilter, Timeline
from service.answer_markdown import answer_markdown, byline
from service.answer_shapes import (
    AnswerFacts,
    CitationShape,
    StoryCopy,
    citations_of,
    facts_of,
    file_name,
    story_copy,
)


class _Shape(BaseModel):
    model_config = ConfigDict(frozen=True)


class AskResult(AnswerFacts):
    answer: str  # the answer with its [n] markers
    citations: list[CitationShape]


class PassageShape(_Shape):
    rank: int
    score: float
    article_id: str
    title: str
    outlet: str | None
    date: dt.date | None
    file: str
    text: str


class SearchResult(_Shape):
    query: str
    filter: str  # the filter in words, "no filter" when none
    passages: list[PassageShape]


class TimelineEntryShape(_Shape):
    date: str  # resolved: 2023-09-16, 2023-09, 2023 or "week of 2023-09-11"
    phrase: str  # as the sentence says it
    relative: bool  # resolved against the article's publication date
    sentence: str
    article_id: str
    title: str
    outlet: str | None
    published: dt.date | None
    file: str
    also_in: list[StoryCopy]


class TimelineResult(_Shape):
    topic: str
    articles: int  # matching articles read
    undated_articles: int  # of those, without a publication date (their relative dates cannot be resolved)
    truncated: bool  # more dated sentences than listed
    entries: list[TimelineEntryShape]


class ArticleShape(_Shape):
    id: str
    title: str
    outlet: str | None
    date: dt.date | None
    file: str
    url: str | None


class ArticleList(_Shape):
    filter: str
    total: int  # articles the filter lets through
    articles: list[ArticleShape]  # the first `limit` of them


def ask_result(answer: Answer) -> tuple[str, AskResult]:
    facts = facts_of(answer)
    return answer_markdown(answer), AskResult(answer=answer.text, citations=citations_of(answer),
                                              **facts.model_dump())


def search_result(query: str, where: SearchFilter, passages: Sequence[Passage]) -> tuple[str, SearchResult]:
    shapes = [PassageShape(rank=p.rank, score=round(p.score, 6), article_id=p.chunk.article_id, title=p.chunk.title,
                           outlet=p.chunk.source, date=p.chunk.published, file=file_name(p.chunk.source_path),
                           text=p.chunk.text) for p in passages]
    if not passages:
        text = f"No passages found for {query!r}" + ("." if where.empty else f" with the filter {describe(where)}.")
    else:
        text = "\n\n".join(f"[{p.rank}] {byline(p.chunk.title, p.chunk.source, p.chunk.published, p.chunk.source_path)}"
                           f"\n{' '.join(p.chunk.text.split())}" for p in passages)
    return text, SearchResult(query=query, filter=describe(where), passages=shapes)


def timeline_result(timeline: Timeline) -> tuple[str, TimelineResult]:
    entries = [TimelineEntryShape(
        date=e.date.label, phrase=e.date.phrase, relative=e.date.relative, sentence=e.sentence,
        article_id=e.article_id, title=e.title, outlet=e.source, published=e.published, file=file_name(e.source_path),
        also_in=[story_copy(r) for r in e.also_in],
    ) for e in timeline.entries]
    if entries:
        lines = [f"{len(entries)} dated sentences from {timeline.articles} article(s) matching {timeline.query!r}, "
                 "earliest first:"]
        lines.extend(f"- **{e.date.label}**" + (f" ({e.date.phrase})" if e.date.relative else "")
                     + f": {' '.join(e.sentence.split())} ({byline(e.title, e.source, e.published, e.source_path)})"
                     for e in timeline.entries)
        if timeline.truncated:
            lines.append("(more dated sentences than listed: narrow the topic or the dates)")
        text = "\n".join(lines)
    else:
        text = f"No dated sentences in the {timeline.articles} article(s) matching {timeline.query!r}."
    if timeline.undated_articles:
        text += (f"\n{timeline.undated_articles} of them state no publication date, so their relative dates "
                 "(\"on Saturday\") cannot be resolved.")
    return text, TimelineResult(topic=timeline.query, articles=timeline.articles,
                                undated_articles=timeline.undated_articles, truncated=timeline.truncated,
                                entries=entries)


def article_list(where: SearchFilter, articles: Sequence[ArticleFacet], limit: int) -> tuple[str, ArticleList]:
    shown = articles[:limit]
    shapes = [ArticleShape(id=a.id, title=a.title, outlet=a.source, date=a.published, file=file_name(a.source_path),
                           url=a.url) for a in shown]
    head = f"{len(articles)} indexed article(s)" + ("" if where.empty else f" match {describe(where)}")
    head += f"; the first {len(shown)}:" if len(shown) < len(articles) else ":" if shown else "."
    lines = [head, *(f"- {byline(a.title, a.source, a.published, a.source_path)} [id `{a.id}`]" for a in shown)]
    return "\n".join(lines), ArticleList(filter=describe(where), total=len(articles), articles=shapes)
