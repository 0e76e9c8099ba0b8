"""The timeline: the dated sentences of the articles that match a query, earliest first.

For a query (and the same filters as a question: sources, publication dates) the
retriever finds the best passages; their articles, best-ranked first and at most
`TimelineTuning.max_articles`, are the matching ones. Every date expression `index/`
stored in those articles (resolved against each article's own date: "on Saturday" in a
Thursday story is the Saturday before) gives one entry: the date, the whole sentence it
is in, and the article it comes from. A republished copy of a story already on the
timeline is listed under that story ("also in") instead of repeating its sentences; the
story is told by the group's representative (its earliest copy).

Entries are ordered by the period's first day, finer periods first on the same day (a
day before its week, month and year), then by article and position.

Deliberately left out: dating sentences that name no date (an article's publication
date is shown with every entry, not put on undated sentences) and merging the same event
told by two different stories (they stay two entries, each with its source).
"""

from __future__ import annotations

from newsrag.protocols import IndexReader
from newsrag.text import sentence_spans
from newsrag.tuning import TimelineTuning
from newsrag.types import (
    DATE_GRANULARITIES,
    Article,
    DateMention,
    RetrievalMode,
    SearchFilter,
    Timeline,
    TimelineEntry,
)
from rag.research.provenance import Provenance
from rag.retrieval.hybrid_retriever import HybridRetriever


def build_timeline(query: str, retriever: HybridRetriever, provenance: Provenance, *, mode: RetrievalMode,
                   where: SearchFilter | None = None, tuning: TimelineTuning = TimelineTuning()) -> Timeline:
    reader = retriever.reader
    passages = retriever.retrieve(query, top_k=tuning.passages, where=where, mode=mode).passages
    ranked = list(dict.fromkeys(p.chunk.article_id for p in passages))
    articles = _one_per_story(ranked, reader, provenance)[: tuning.max_articles]
    mentions = reader.date_mentions([a.id for a in articles])
    entries = [entry for article in articles for entry in _entries(article, mentions, provenance)]
    order = {g: n for n, g in enumerate(DATE_GRANULARITIES)}
    position = {a.id: n for n, a in enumerate(articles)}
    entries.sort(key=lambda e: (e.date.value, order[e.date.granularity], position[e.article_id], e.date.start))
    return Timeline(
        query=query,
        entries=tuple(entries[: tuning.max_entries]),
        articles=len(articles),
        undated_articles=sum(1 for a in articles if a.published is None),
        truncated=len(entries) > tuning.max_entries,
    )


def _one_per_story(ranked: list[str], reader: IndexReader, provenance: Provenance) -> list[Article]:
    """The matching articles in rank order, each group of republished copies as its representative."""
    out: list[Article] = []
    seen_groups: set[tuple[str, ...]] = set()
    for aid in ranked:
        group = provenance.group_of(aid)
        if group is not None:
            if group.article_ids in seen_groups:
                continue
            seen_groups.add(group.article_ids)
            aid = group.article_ids[0]  # the earliest copy stands for the story
        article = reader.article(aid)
        if article is not None:
            out.append(article)
    return out


def _entries(article: Article, mentions: list[DateMention], provenance: Provenance) -> list[TimelineEntry]:
    spans = sentence_spans(article.text)
    copies = provenance.copies_of(article.id)
    out = []
    for m in mentions:
        if m.article_id != article.id:
            continue
        span = next((s for s in spans if s.start <= m.start < s.end), None)
        start, end = (span.start, span.end) if span is not None else (m.start, m.end)
        out.append(TimelineEntry(
            date=m, sentence=article.text[start:end], start=start, end=end, article_id=article.id,
            title=article.title, source_path=article.source_path, source=article.source,
            published=article.published, url=article.url, also_in=copies,
        ))
    return out
