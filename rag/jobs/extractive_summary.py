"""Extractive summaries: the lead of an article plus its most central sentences, every one cited.

`choose_sentences` is the summariser: over the sentence vectors `index/` stored (read
through `rag.retrieval.sentence_source.SentenceSource`, so nothing is embedded per sentence), a
sentence's centrality is its cosine to the article's centroid, the mean of its sentence
vectors; the summary is the lead (the first sentence of some length: news puts the
story there) and then the sentences scoring best on centrality plus a position prior
(`POSITION_WEIGHT`) that do not repeat a chosen one, in article order. With a topic,
similarity to the topic's vector is added, and only
sentences stating the topic's words (all of them, where some sentence does) are candidates.

`summary_job` picks what to summarise from a parsed `rag.jobs.job_request.Request`: a numbered
item of the list the assistant gave just before ("summarize the second one"), the
article the previous answer quoted ("summarize it"), the best article mentioning a
topic ("the article about the Iranian ambassador": one article; "the main points on the
Kurdistan region": up to `MAX_ARTICLES`), or the whole collection. Measured against
reference summaries by `evals/summaries.py`.

Deliberately left out: abstractive rewriting (an LLM, when configured, writes its own
cited sentences from these candidates: `rag/jobs/llm_summary.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from newsrag.text import Span, words
from newsrag.types import Turn
from rag.jobs.catalog import Catalog, CatalogArticle, Match
from rag.jobs.job_draft import LIST, PROSE, JobDraft, quote, refusal
from rag.jobs.job_request import Request
from rag.language.refusal import empty_index, no_article_about, nothing_to_refer_to
from rag.retrieval.sentence_source import SentenceSource

SUMMARY_SENTENCES = 3  # as lead-3, the baseline it is measured against
MAX_ARTICLES = 3  # a topic summary quotes at most this many articles
MIN_WORDS = 6  # shorter "sentences" are datelines, captions and headings, not statements
REDUNDANT = 0.9  # cosine above which a sentence repeats a chosen one
TOPIC_WEIGHT = 1.0  # how much closeness to the topic counts beside centrality
# News puts what matters first: a sentence's score adds POSITION_WEIGHT / (1 + its position).
# Chosen by `evals/summaries.py` on the development half of its set (reported on the other half):
# ROUGE rose with the weight up to the grid's top (3.2), where the position decides and
# centrality only breaks near-ties, skips what repeats the lead, and chooses in topic summaries
# (which use no position prior: there the sentences stating the topic compete on meaning).
POSITION_WEIGHT = 3.2


@dataclass(frozen=True, eq=False)
class ArticleSentences:
    """An article's stored sentences (deduplicated across overlapping chunks), in order."""

    entry: CatalogArticle
    spans: tuple[Span, ...]
    vectors: np.ndarray  # (len(spans), dimension), unit rows

    def text(self, i: int) -> str:
        return self.spans[i].of(self.entry.article.text)


def article_sentences(entry: CatalogArticle, source: SentenceSource) -> ArticleSentences:
    stored = source.for_chunks(list(entry.chunks))
    seen: dict[tuple[int, int], np.ndarray] = {}
    for chunk in entry.chunks:
        sentences = stored.get(chunk.id)
        if sentences is None:
            continue
        for (start, end), vector in zip(sentences.spans, sentences.vectors, strict=True):
            if (start, end) not in seen and float(np.linalg.norm(vector)) > 0:
                seen[(start, end)] = vector
    keys = sorted(seen)
    dim = next(iter(seen.values())).shape[0] if seen else 1
    vectors = np.stack([seen[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, dim), np.float32)
    return ArticleSentences(entry, tuple(Span(s, e) for s, e in keys), vectors)


def choose_sentences(texts: Sequence[str], vectors: np.ndarray, k: int = SUMMARY_SENTENCES, *,
                     lead: bool = True, topic: np.ndarray | None = None,
                     candidates: Sequence[int] | None = None, position_weight: float = POSITION_WEIGHT) -> list[int]:
    """Indices of up to k sentences, in article order (see the module docstring)."""
    if not len(texts):
        return []
    pool = list(candidates) if candidates is not None else list(range(len(texts)))
    eligible = [i for i in pool if len(words(texts[i])) >= MIN_WORDS] or pool
    if not eligible:
        return []
    centroid = vectors[eligible].mean(axis=0)
    norm = float(np.linalg.norm(centroid))
    score = vectors @ (centroid / norm) if norm > 0 else np.zeros(len(texts), dtype=np.float32)
    score = score + position_weight / (1.0 + np.arange(len(texts), dtype=np.float32))
    if topic is not None:
        score = score + TOPIC_WEIGHT * (vectors @ np.asarray(topic, dtype=np.float32))
    chosen = [min(eligible)] if lead else []
    for i in sorted(eligible, key=lambda j: (-float(score[j]), j)):
        if len(chosen) >= k:
            break
        if i in chosen or any(float(vectors[i] @ vectors[j]) >= REDUNDANT for j in chosen):
            continue
        chosen.append(i)
    return sorted(chosen[:k])


def lead_sentences(texts: Sequence[str], k: int = SUMMARY_SENTENCES) -> list[int]:
    """The baseline: the first k sentences of some length."""
    return [i for i, t in enumerate(texts) if len(words(t)) >= MIN_WORDS][:k]


# ---------------------------------------------------------------------------- which articles

_NUMBERED = re.compile(r"^(\d+)\. ", re.M)


def _from_list(ordinal: int, previous: Turn | None, catalog: Catalog) -> CatalogArticle | None:
    """The n-th article of the list in the previous answer, else the n-th article of the index."""
    entries = catalog.entries()
    if previous is not None:
        listed: list[CatalogArticle] = []
        for line in previous.answer.splitlines():
            if _NUMBERED.match(line):
                hit = catalog.titled(_NUMBERED.sub("", line, count=1))
                if hit is not None:
                    listed.append(hit)
        if listed:
            at = ordinal - 1 if ordinal > 0 else len(listed) + ordinal
            return listed[at] if 0 <= at < len(listed) else None
    at = ordinal - 1 if ordinal > 0 else len(entries) + ordinal
    return entries[at] if 0 <= at < len(entries) else None


def _quoted_before(previous: Turn, catalog: Catalog) -> CatalogArticle | None:
    """The article whose sentences the previous answer quoted most."""
    best: tuple[int, CatalogArticle] | None = None
    for entry in catalog.quoting(previous.answer):
        hits = sum(1 for s in entry.sentences if len(s.of(entry.article.text)) >= 30
                   and s.of(entry.article.text) in previous.answer)
        if hits and (best is None or hits > best[0]):
            best = (hits, entry)
    return best[1] if best else None


def _heading_one(entry: CatalogArticle) -> str:
    article = entry.article
    meta = ", ".join(p for p in (article.source, article.published.isoformat() if article.published else None) if p)
    return f"Summary of “{article.title}”" + (f" ({meta})" if meta else "") + ":"


def summary_job(request: Request, catalog: Catalog, source: SentenceSource, history: Sequence[Turn] = (),
                embed: Callable[[str], np.ndarray] | None = None) -> JobDraft:
    entries = catalog.entries()
    if not entries:
        return refusal(empty_index())
    previous = history[-1] if history else None
    single: CatalogArticle | None = None
    matches: list[Match] = []
    if request.ordinal is not None:
        single = _from_list(request.ordinal, previous, catalog)
        if single is None:
            return refusal(f"There is no article number {request.ordinal} to summarize.")
    elif request.topic:
        matches = catalog.mentions(request.topic, within=catalog.from_outlet(request.outlet) if request.outlet
                                   else None)
        if not matches:
            return refusal(no_article_about(request.topic))
        if request.single or len(matches) == 1:
            single = matches[0].entry
    elif request.refers_back and previous is not None:
        single = _quoted_before(previous, catalog)
        if single is None:
            return refusal(nothing_to_refer_to())
    elif request.refers_back and request.single:
        return refusal(nothing_to_refer_to())
    if single is not None:
        return _one(single, source)
    if matches:
        return _several(matches[:MAX_ARTICLES], source, request.topic, len(matches), embed)
    pool = catalog.from_outlet(request.outlet) if request.outlet else list(entries)
    return _overview(pool[:MAX_ARTICLES * 2], source, len(entries))


def _one(entry: CatalogArticle, source: SentenceSource) -> JobDraft:
    sents = article_sentences(entry, source)
    texts = [sents.text(i) for i in range(len(sents.spans))]
    chosen = choose_sentences(texts, sents.vectors)
    return quote("summary", _heading_one(entry), [(entry, sents.spans[i]) for i in chosen], PROSE)


def _several(matches: Sequence[Match], source: SentenceSource, topic: str | None, found: int,
             embed: Callable[[str], np.ndarray] | None) -> JobDraft:
    topic_vector = embed(topic) if embed is not None and topic else None
    per_article = 2 if len(matches) <= 2 else 1
    items: list[tuple[CatalogArticle, Span]] = []
    for m in matches:
        sents = article_sentences(m.entry, source)
        stating = {(s.start, s.end) for s in (m.whole or m.sentences)}
        candidates = [i for i, s in enumerate(sents.spans) if (s.start, s.end) in stating]
        texts = [sents.text(i) for i in range(len(sents.spans))]
        chosen = choose_sentences(texts, sents.vectors, per_article, lead=False, topic=topic_vector,
                                  candidates=candidates or None, position_weight=0.0)
        items += [(m.entry, sents.spans[i]) for i in chosen]
    shown = f"the {len(matches)} best" if found > len(matches) else f"the {len(matches)}"
    heading = (f"Main points on {topic} from {shown} of {found} articles that mention it:" if found > len(matches)
               else f"Main points on {topic} from {shown} articles that mention it:" if len(matches) > 1
               else f"Main points on {topic}:")
    return quote("summary", heading, items, LIST)


def _overview(pool: Sequence[CatalogArticle], source: SentenceSource, total: int) -> JobDraft:
    items: list[tuple[CatalogArticle, Span]] = []
    for entry in pool:
        sents = article_sentences(entry, source)
        texts = [sents.text(i) for i in range(len(sents.spans))]
        items += [(entry, sents.spans[i]) for i in choose_sentences(texts, sents.vectors, 1)]
    heading = (f"The main point of each of the {len(pool)} indexed articles:" if len(pool) == total
               else f"The main point of {len(pool)} of the {total} indexed articles:")
    return quote("summary", heading, items, LIST)
