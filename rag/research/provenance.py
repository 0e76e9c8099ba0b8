"""What a researcher needs beside each cited sentence: its dates resolved, and where else it ran.

`Provenance.complete(citations)` returns the citations with
- `dates`: the date expressions `index/` stored inside the quoted span, resolved against
  the article's publication date ("Saturday = 2023-09-16");
- `also_in`: the other copies of the story when `index/` grouped the cited article with
  republished versions (another outlet, a wire copy, an update), so the sources panel
  names them once instead of showing the same sentence three times.

`dated_short_answer` turns a "when" answer's short span into an absolute date when the
span is a resolved relative expression ("on Saturday" -> "on Saturday (2023-09-16)").

Deliberately left out: finding dates or duplicates (both are `index/`'s, at index time).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence

from newsrag.protocols import IndexReader
from newsrag.types import Citation, DateMention, DuplicateGroup, Republication


class Provenance:
    """Dates and republished copies for citations, read from the index (groups and their members
    cached per generation: a story republished thousands of times would otherwise cost a
    manifest read per copy per answer)."""

    def __init__(self, reader: IndexReader) -> None:
        self.reader = reader
        self._groups: dict[str, DuplicateGroup] = {}
        # Every member of a group, read once per group (not once per cited member: a story
        # republished thousands of times cost 0.1 s an unseen answer, `make bench-query`).
        self._members: dict[str, tuple[Republication, ...]] = {}
        self._generation: str | None = None
        self._lock = threading.Lock()

    def set_reader(self, reader: IndexReader) -> None:
        with self._lock:
            self.reader = reader
            self._generation = None

    def group_of(self, article_id: str) -> DuplicateGroup | None:
        with self._lock:
            generation = self.reader.generation()
            if generation != self._generation:
                self._groups = {aid: g for g in self.reader.duplicate_groups() for aid in g.article_ids}
                self._members = {}
                self._generation = generation
            return self._groups.get(article_id)

    def complete(self, citations: Sequence[Citation]) -> tuple[Citation, ...]:
        if not citations:
            return ()
        mentions = self.reader.date_mentions(sorted({c.article_id for c in citations}))
        out = []
        for c in citations:
            inside = tuple(m for m in mentions
                           if m.article_id == c.article_id and c.start <= m.start and m.end <= c.end)
            out.append(dataclasses.replace(c, dates=inside, also_in=self.copies_of(c.article_id)))
        return tuple(out)

    def copies_of(self, article_id: str) -> tuple[Republication, ...]:
        group = self.group_of(article_id)
        if group is None:
            return ()
        key = group.article_ids[0]
        with self._lock:
            members = self._members.get(key)
        if members is None:
            found = []
            for aid in group.article_ids:
                article = self.reader.article(aid)
                if article is not None:
                    found.append(Republication(aid, article.title, article.source_path, article.source,
                                               article.published))
            members = tuple(found)
            with self._lock:
                self._members[key] = members
        return tuple(r for r in members if r.article_id != article_id)


def dated_short_answer(short: str | None, citation: Citation | None) -> str | None:
    """The short answer with the absolute date of the relative expression it is, or contains."""
    if not short or citation is None:
        return short
    for mention in citation.dates:
        if mention.relative and _overlaps(mention, short, citation):
            return f"{short} ({mention.label})"
    return short


def _overlaps(mention: DateMention, short: str, citation: Citation) -> bool:
    at = citation.quote.find(short)
    if at < 0:
        return False
    start = citation.start + at
    return start < mention.end and mention.start < start + len(short)
