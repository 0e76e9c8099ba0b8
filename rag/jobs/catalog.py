"""The whole collection at a glance: every article, its sentences, its outlet, which words it states.

Collection answers must be complete ("which articles mention Soleimani" names every one),
so they read the index itself, not retrieval's top k. `Catalog` scales with what a job
touches, not with the archive: per index generation it reads only the articles' facets
(id, title, outlet, date); which articles state a word comes from the keyword index
`index/` stores (its term -> chunks lists, each chunk knowing its article); an article is
read and split with the project's sentence splitter (content terms per sentence:
`newsrag.text.content_terms`, the same normaliser and stemmer retrieval and the checker
use) only when a job uses it, and that split is kept by article id across re-indexing.

An article *mentions* a topic when every content term of the topic occurs in it (a
country and its demonym count as one term, "Iran"/"Iranian", as everywhere else), title
included. Matches are ranked by how much of the article is about the topic: the
rarity-weighted count of sentences stating its terms, terms in the title counting more.

Deliberately left out: meaning beyond the words (that is retrieval's job; a summary
request that names no word of an article finds nothing here and says so) and writing to
the index.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from newsrag.protocols import IndexReader
from newsrag.text import Span, content_terms, sentence_spans, term_variants, words
from newsrag.types import Article, ArticleFacet, Chunk
from newsrag.vocab import mapping
from rag.language.cited_text import strip_markers
from rag.retrieval.keyword_index import LexicalCache

TITLE_WEIGHT = 2.0  # a topic in the headline is what the article is about, more than one sentence is
# Articles whose sentence split is kept (by id): far more than one job reads, bounded at archive scale.
SPLITS_KEPT = 20_000
_HEADLINE_ABBREVIATIONS = mapping("headline_abbreviations")


def headline_terms(title: str) -> frozenset[str]:
    """A headline's content terms, its abbreviations spelt out ("Amb." -> "ambassador")."""
    return frozenset(content_terms(" ".join(_HEADLINE_ABBREVIATIONS.get(w, w) for w in words(title))))


@functools.cache
def _abbreviations_of() -> dict[str, frozenset[str]]:
    """Content term -> the terms of the headline abbreviations spelt out with it ("minist" -> "min", "pm", "fm")."""
    out: dict[str, set[str]] = {}
    for short, spelt in _HEADLINE_ABBREVIATIONS.items():
        for term in content_terms(spelt):
            out.setdefault(term, set()).update(content_terms(short))
    return {term: frozenset(shorts) for term, shorts in out.items()}


def _abbreviating(variants: frozenset[str]) -> frozenset[str]:
    abbreviations = _abbreviations_of()
    return frozenset().union(*(abbreviations.get(v, frozenset()) for v in variants))


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



def topic_terms(topic: str) -> list[frozenset[str]]:
    """The topic's content terms, each with its country/demonym partners."""
    return [term_variants(t) for t in dict.fromkeys(content_terms(topic))]


@dataclass(frozen=True)
class _Split:
    """The costly part of an entry, a function of the article's id alone (ids are content-derived)."""

    sentences: tuple[Span, ...]
    sentence_terms: tuple[frozenset[str], ...]
    title_terms: frozenset[str]


class CatalogEntries(Sequence[CatalogArticle]):
    """Articles of the catalog by id, each read from the index and split only when it is used."""

    def __init__(self, ids: Sequence[str], entry: Callable[[str], CatalogArticle | None]) -> None:
        self.ids = tuple(ids)
        self._entry = entry

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, at: int) -> CatalogArticle: ...

    @overload
    def __getitem__(self, at: slice) -> CatalogEntries: ...

    def __getitem__(self, at: int | slice) -> CatalogArticle | CatalogEntries:
        if isinstance(at, slice):
            return CatalogEntries(self.ids[at], self._entry)
        entry = self._entry(self.ids[at])
        if entry is None:  # removed by a re-index since this list was made
            raise IndexError(f"article {self.ids[at]} is no longer indexed")
        return entry

    def __iter__(self) -> Iterator[CatalogArticle]:
        for aid in self.ids:
            entry = self._entry(aid)
            if entry is not None:
                yield entry


class _Snapshot:
    """What the catalog knows of one index generation, each part read when first needed."""

    def __init__(self, generation: str, reader: IndexReader) -> None:
        self.generation = generation
        self._reader = reader

    @functools.cached_property
    def ids(self) -> tuple[str, ...]:
        """Every article id, ordered (the ids alone: cheap at any archive size)."""
        return tuple(self._reader.article_ids())

    @functools.cached_property
    def facets(self) -> tuple[ArticleFacet, ...]:
        """Every article's facets, ordered by id: read only by what looks at titles or outlets of all."""
        return tuple(self._reader.article_facets())

    @functools.cached_property
    def outlets(self) -> tuple[str, ...]:
        return tuple(self._reader.outlets())


class Catalog:
    """Article-level facts for the collection jobs, over the index as it is now.

    Per index generation it reads the article ids and the outlets' counts, and every article's
    facets (id, title, outlet, date) only for a job that looks at all titles or one outlet; an
    article is read and split into sentences when a job uses it, and the split is kept by
    article id (ids are content-derived, so it stays right across re-indexing: only new or
    changed articles are split again). Which articles state a word comes from the keyword
    index `index/` stores (`LexicalIndex.articles_with`), not from a scan of the texts.
    """

    def __init__(self, reader: IndexReader, lexical: LexicalCache | None = None) -> None:
        self.reader = reader
        self.lexical = lexical if lexical is not None else LexicalCache(reader)
        self._snapshot: _Snapshot | None = None
        self._splits: OrderedDict[str, _Split] = OrderedDict()
        self._lock = threading.Lock()
        self.splits_made = 0  # articles split into sentences by this catalog: observable in tests

    def set_reader(self, reader: IndexReader) -> None:
        with self._lock:
            self.reader = reader
            self._snapshot = None
        if self.lexical.reader is not reader:
            self.lexical.set_reader(reader)

    def _current(self) -> _Snapshot:
        generation = self.reader.generation()
        snap = self._snapshot
        if snap is not None and snap.generation == generation:
            return snap
        with self._lock:
            if self._snapshot is None or self._snapshot.generation != generation:
                self._snapshot = _Snapshot(generation, self.reader)
            return self._snapshot

    def _split(self, article: Article) -> _Split:
        with self._lock:
            split = self._splits.get(article.id)
            if split is not None:
                self._splits.move_to_end(article.id)
                return split
        spans = tuple(sentence_spans(article.text))
        split = _Split(spans, tuple(frozenset(content_terms(s.of(article.text))) for s in spans),
                       headline_terms(article.title))
        with self._lock:
            self.splits_made += 1
            self._splits[article.id] = split
            while len(self._splits) > SPLITS_KEPT:
                self._splits.popitem(last=False)
        return split

    def _entry(self, article_id: str) -> CatalogArticle | None:
        article = self.reader.article(article_id)
        if article is None:
            return None
        split = self._split(article)
        return CatalogArticle(article, split.sentences, split.sentence_terms, split.title_terms,
                              tuple(self.reader.article_chunks(article_id)))

    # ------------------------------------------------------------------ reading
    def entries(self) -> CatalogEntries:
        """Every article, ordered by id; each read when used."""
        return CatalogEntries(self._current().ids, self._entry)

    def entry(self, article_id: str) -> CatalogArticle | None:
        return self._entry(article_id)

    def outlets(self) -> list[str]:
        """Every outlet name the index records, most articles first."""
        return list(self._current().outlets)

    def from_outlet(self, outlet: str) -> CatalogEntries:
        def key(name: str) -> str:
            return "".join(content_terms(name)) or name.lower()

        return CatalogEntries([f.id for f in self._current().facets if f.source and key(f.source) == key(outlet)],
                              self._entry)

    def titled(self, line: str) -> CatalogArticle | None:
        """The first article (by id) whose title `line` starts with: a line of an earlier list."""
        return next((self._entry(f.id) for f in self._current().facets if f.title and line.startswith(f.title)), None)

    def quoting(self, text: str) -> CatalogEntries:
        """The articles that may hold a sentence quoted in `text`: those stating every content term of
        one of its sentences (a quote states all its own words), found in the keyword index."""
        found: set[str] = set()
        text = strip_markers(text)
        for span in sentence_spans(text):
            terms = topic_terms(span.of(text))
            if terms:
                found |= frozenset.intersection(*(self._stating(v) for v in terms))
        return CatalogEntries(sorted(found), self._entry)

    def _stating(self, variants: frozenset[str]) -> frozenset[str]:
        """Ids of the articles whose text or headline states one of these terms, a headline
        abbreviation of one included ("Amb." for "ambassador"): the keyword index holds every
        chunk's headline and text, so the abbreviation is looked up there too. That may also
        find an article whose body uses it for something else ("90 min"); `mentions` checks
        each candidate's own terms, `mention_count` does not read articles and counts it."""
        return self.lexical.get().articles_with(variants | _abbreviating(variants))

    def mention_count(self, topic: str) -> int:
        """How many articles state every content term of `topic`, from the keyword index alone (no
        article read): what `len(mentions(topic))` is, bar a word the index splits differently."""
        wanted = topic_terms(topic)
        if not wanted:
            return 0
        return len(frozenset.intersection(*(self._stating(v) for v in wanted)))

    def mentions(self, topic: str, within: Sequence[CatalogArticle] | None = None) -> list[Match]:
        """Every article (of `within`, default all) stating every content term of `topic`, best first."""
        wanted = topic_terms(topic)
        if not wanted:
            return []
        snap = self._current()
        stating = [self._stating(v) for v in wanted]
        # rarity over the whole index, a term and its variants together; a term every article
        # states tells no article apart and weighs nothing
        weights = [math.log((1 + len(snap.ids)) / (1 + len(ids))) for ids in stating]
        candidates = frozenset.intersection(*stating)
        if within is not None:
            allowed = set(within.ids) if isinstance(within, CatalogEntries) else {e.article.id for e in within}
            candidates = candidates & allowed
        out = []
        for aid in sorted(candidates):
            entry = self._entry(aid)
            if entry is None or not all(variants & entry.terms for variants in wanted):
                continue
            hits: list[tuple[int, int, Span]] = []
            counts = [0] * len(wanted)  # sentences stating each term
            together = 0  # sentences stating every term
            for i, (span, terms) in enumerate(zip(entry.sentences, entry.sentence_terms, strict=True)):
                stated = [k for k, v in enumerate(wanted) if v & terms]
                if stated:
                    hits.append((-len(stated), i, span))
                    for k in stated:
                        counts[k] += 1
                    together += len(stated) == len(wanted)
            # Saturating in the count: an article about X states X in many sentences, but a common word
            # ("Iran") stated everywhere must not outweigh a rare one stated twice.
            score = sum(w * math.log1p(n) for w, n in zip(weights, counts, strict=True))
            score += sum(weights) * math.log1p(together)
            score += TITLE_WEIGHT * sum(w for w, v in zip(weights, wanted, strict=True) if v & entry.title_terms)
            whole = tuple(span for n, _, span in hits if -n == len(wanted))
            out.append(Match(entry, tuple(span for _, _, span in sorted(hits)), score, whole))
        out.sort(key=lambda m: -m.score)
        return out
