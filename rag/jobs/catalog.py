"""The whole collection at a glance: every article, its sentences, its outlet, which words it states.

Collection answers must be complete ("which articles mention Soleimani" names every one),
so they read the index itself, not retrieval's top k: `Catalog` scans every article and
chunk the `IndexReader` gives (`articles()`, `all_chunks()`), once per index generation,
splits each article with the project's sentence splitter and keeps the content terms of
each sentence (`newsrag.text.content_terms`, the same normaliser and stemmer retrieval
and the checker use).

An article *mentions* a topic when every content term of the topic occurs in it (a
country and its demonym count as one term, "Iran"/"Iranian", as everywhere else), title
included. Matches are ranked by how much of the article is about the topic: the
rarity-weighted count of sentences stating its terms, terms in the title counting more.

Deliberately left out: meaning beyond the words (that is retrieval's job; a summary
request that names no word of an article finds nothing here and says so) and writing to
the index.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from newsrag.protocols import IndexReader
from newsrag.text import Span, content_terms, sentence_spans, term_variants, words
from newsrag.types import Article, Chunk
from newsrag.vocab import mapping

TITLE_WEIGHT = 2.0  # a topic in the headline is what the article is about, more than one sentence is
_HEADLINE_ABBREVIATIONS = mapping("headline_abbreviations")


def headline_terms(title: str) -> frozenset[str]:
    """A headline's content terms, its abbreviations spelt out ("Amb." -> "ambassador")."""
    return frozenset(content_terms(" ".join(_HEADLINE_ABBREVIATIONS.get(w, w) for w in words(title))))


@dataclass(frozen=True)
class CatalogArticle:
    """One article as the catalog sees it."""

    article: Article
    sentences: tuple[Span, ...]  # offsets into article.text, in order
    sentence_terms: tuple[frozenset[str], ...]  # content terms of each sentence
    title_terms: frozenset[str]
    chunks: tuple[Chunk, ...]  # in article order

    @property
    def terms(self) -> frozenset[str]:
        return self.title_terms.union(*self.sentence_terms)

    def lead(self) -> Span | None:
        """The first sentence of the body (a news lead), or None for an empty article."""
        return self.sentences[0] if self.sentences else None

    def chunk_for(self, span: Span) -> Chunk | None:
        """The first chunk holding the whole span (chunks overlap), else the one overlapping it most."""
        best: tuple[int, Chunk] | None = None
        for chunk in self.chunks:
            if chunk.start <= span.start and span.end <= chunk.end:
                return chunk
            overlap = min(chunk.end, span.end) - max(chunk.start, span.start)
            if overlap > 0 and (best is None or overlap > best[0]):
                best = (overlap, chunk)
        return best[1] if best else None


@dataclass(frozen=True)
class Match:
    """An article that mentions a topic, with the sentences that state its terms."""

    entry: CatalogArticle
    sentences: tuple[Span, ...]  # sentences stating any of the topic's terms, most terms first, then in order
    score: float
    whole: tuple[Span, ...] = ()  # the sentences stating every term, in order


@dataclass(frozen=True)
class _Snapshot:
    generation: str
    entries: tuple[CatalogArticle, ...]
    document_frequency: Counter[str]


def topic_terms(topic: str) -> list[frozenset[str]]:
    """The topic's content terms, each with its country/demonym partners."""
    return [term_variants(t) for t in dict.fromkeys(content_terms(topic))]


class Catalog:
    """Article-level facts for the collection jobs, rebuilt when the index generation changes."""

    def __init__(self, reader: IndexReader) -> None:
        self.reader = reader
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()

    def set_reader(self, reader: IndexReader) -> None:
        with self._lock:
            self.reader = reader
            self._snapshot = None

    def _current(self) -> _Snapshot:
        generation = self.reader.generation()
        snap = self._snapshot
        if snap is not None and snap.generation == generation:
            return snap
        with self._lock:
            if self._snapshot is None or self._snapshot.generation != generation:
                self._snapshot = self._build(generation)
            return self._snapshot

    def _build(self, generation: str) -> _Snapshot:
        by_article: dict[str, list[Chunk]] = {}
        for chunk in self.reader.all_chunks():
            by_article.setdefault(chunk.article_id, []).append(chunk)
        entries = []
        df: Counter[str] = Counter()
        for article in self.reader.articles():
            spans = tuple(sentence_spans(article.text))
            terms = tuple(frozenset(content_terms(s.of(article.text))) for s in spans)
            entry = CatalogArticle(article, spans, terms, headline_terms(article.title),
                                   tuple(sorted(by_article.get(article.id, []), key=lambda c: c.start)))
            entries.append(entry)
            df.update(entry.terms)
        return _Snapshot(generation, tuple(entries), df)

    # ------------------------------------------------------------------ reading
    def entries(self) -> tuple[CatalogArticle, ...]:
        return self._current().entries

    def entry(self, article_id: str) -> CatalogArticle | None:
        return next((e for e in self.entries() if e.article.id == article_id), None)

    def outlets(self) -> list[str]:
        """Every outlet name the index records, most articles first."""
        counts = Counter(e.article.source for e in self.entries() if e.article.source)
        return [name for name, _ in counts.most_common()]

    def from_outlet(self, outlet: str) -> list[CatalogArticle]:
        def key(name: str) -> str:
            return "".join(content_terms(name)) or name.lower()

        return [e for e in self.entries() if e.article.source and key(e.article.source) == key(outlet)]

    def idf(self, term: str) -> float:
        snap = self._current()
        return math.log((1 + len(snap.entries)) / (1 + snap.document_frequency.get(term, 0))) + 1.0

    def mentions(self, topic: str, within: Sequence[CatalogArticle] | None = None) -> list[Match]:
        """Every article (of `within`, default all) stating every content term of `topic`, best first."""
        wanted = topic_terms(topic)
        if not wanted:
            return []
        everything = self.entries()
        # rarity over the whole index, a term and its variants together; a term every article
        # states tells no article apart and weighs nothing
        weights = [math.log((1 + len(everything)) / (1 + sum(1 for e in everything if v & e.terms)))
                   for v in wanted]
        out = []
        for entry in everything if within is None else within:
            if not all(variants & entry.terms for variants in wanted):
                continue
            hits: list[tuple[int, int, Span]] = []
            stating = [0] * len(wanted)  # sentences stating each term
            together = 0  # sentences stating every term
            for i, (span, terms) in enumerate(zip(entry.sentences, entry.sentence_terms, strict=True)):
                stated = [k for k, v in enumerate(wanted) if v & terms]
                if stated:
                    hits.append((-len(stated), i, span))
                    for k in stated:
                        stating[k] += 1
                    together += len(stated) == len(wanted)
            # Saturating in the count: an article about X states X in many sentences, but a common word
            # ("Iran") stated everywhere must not outweigh a rare one stated twice.
            score = sum(w * math.log1p(n) for w, n in zip(weights, stating, strict=True))
            score += sum(weights) * math.log1p(together)
            score += TITLE_WEIGHT * sum(w for w, v in zip(weights, wanted, strict=True) if v & entry.title_terms)
            whole = tuple(span for n, _, span in hits if -n == len(wanted))
            out.append(Match(entry, tuple(span for _, _, span in sorted(hits)), score, whole))
        out.sort(key=lambda m: -m.score)
        return out
