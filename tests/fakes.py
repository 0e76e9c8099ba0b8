"""The fakes the tests share: one of each, standing in for a real part behind `newsrag/protocols.py`.

- `HashEmbedder` (protocols.SpanEmbedder): each content word maps to a fixed pseudo-random
  vector (seeded by a hash of the word); a text is the normalised sum. Texts sharing words
  are close, so ranking in logic tests means something, and it is instant and deterministic.
- `FakeIndexReader` (protocols.IndexReader): chunks kept in memory, with its own exact filter
  logic so tests of the retriever's filtering are not checked against the store's own code.
  `bump()` replaces its content and changes its generation, like a re-index.
- `OverlapSentenceReader` (rag.answering.sentence_reader.SentenceReader): the share of the question's
  content words a sentence states, as a logit.
- `FakeChatModel` (protocols.ChatModel): scripted output (a text, the exact deltas, or a
  function of the prompt), optionally failing after some characters, optionally slow.

Each fake subclasses the Protocol it stands for, so mypy (which checks this file) holds its
signatures to the Protocol's, and each is held to the same contract suite as the real part it stands for:
`tests/index/test_embedder_contract.py`, `tests/index/test_reader_contract.py`,
`tests/rag/test_chat_model_contract.py`, `tests/rag/test_sentence_reader_contract.py`.
(`FakeAssistant`, the UI's stand-in for the whole
Assistant, lives with the UI tests in `tests/ui/conftest.py`.)

Deliberately left out: pytest fixtures (tests/conftest.py and the package conftests make
them from these), and any cleverness a real part does not have.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from newsrag.errors import BackendError
from newsrag.filters import article_matches
from newsrag.protocols import ChatModel, IndexReader, SpanEmbedder
from newsrag.settings import Settings
from newsrag.text import content_terms
from newsrag.types import (
    Article,
    ArticleFacet,
    Chunk,
    ChunkSentences,
    DateMention,
    DuplicateGroup,
    FileLimits,
    IndexStatus,
    Passage,
    SearchFilter,
)
from rag.answering.sentence_reader import ReaderInput, SentenceReader

# --------------------------------------------------------------------------- embedder


class HashEmbedder(SpanEmbedder):
    """Bag-of-words embedder with hash-seeded word vectors (implements protocols.SpanEmbedder)."""

    backend = "hash"

    def __init__(self, dimension: int = 64, name: str = "hash-embedder") -> None:
        self.name = name
        self.dimension = dimension
        self.calls = 0  # how many texts were embedded, so tests can assert "embedded nothing"

    def _word_vector(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
        return np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)

    def _embed(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        for term in content_terms(text):
            vec += self._word_vector(term)
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += len(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._embed(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        self.calls += 1
        return self._embed(text)

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
                         ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Late-chunking contract (protocols.SpanEmbedder): one "pass" per text gives its vector and
        its spans' vectors; here a span's vector is the bag of words inside it."""
        self.calls += len(texts)
        vectors = np.stack([self._embed(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)
        pooled = [np.stack([self._embed(t[s:e]) for s, e in sp]) if sp else np.zeros((0, self.dimension), np.float32)
                  for t, sp in zip(texts, spans, strict=True)]
        return vectors, pooled


# --------------------------------------------------------------------------- index reader


def load_articles_in(paths: Sequence[Path]) -> list[Article]:
    """The articles under `paths` as the indexer loads them (real loader and cleaning)."""
    from index.article_files import load_articles

    return list(load_articles(list(paths), FileLimits.uniform(20_000_000)).articles)


def chunk_articles(articles: Sequence[Article], chunk_tokens: int = 192, overlap: int = 32) -> list[Chunk]:
    """The articles' chunks as the indexer makes them (real chunker)."""
    from index.chunker import chunk_article

    return [c for a in articles for c in chunk_article(a, chunk_tokens, overlap)]


class FakeIndexReader(IndexReader):
    """In-memory IndexReader (implements protocols.IndexReader)."""

    def __init__(self, articles: Sequence[Article], chunks: Sequence[Chunk], embedder: HashEmbedder) -> None:
        self.embedder = embedder
        self.all_chunks_calls = 0
        self._generation = 0
        self._set(articles, chunks)

    @classmethod
    def from_files(cls, paths: Sequence[Path], embedder: HashEmbedder, settings: Settings) -> FakeIndexReader:
        """The articles under `paths`, loaded and chunked as `settings` make the indexer do it."""
        articles = load_articles_in(paths)
        return cls(articles, chunk_articles(articles, settings.chunk_tokens, settings.chunk_overlap_tokens), embedder)

    def _set(self, articles: Sequence[Article], chunks: Sequence[Chunk]) -> None:
        from index.dates import find_date_mentions
        from index.duplicates import group_duplicates
        from index.sentences import embed_chunks

        self._articles = {a.id: a for a in articles}
        self._chunks = list(chunks)
        self._vectors, stored = embed_chunks(self.embedder, self._chunks, "separate")
        self._sentences = {s.chunk_id: s for s in stored}
        # Dates and republished copies as the indexer computes them, by the same functions.
        self._dates = {a.id: find_date_mentions(a) for a in articles}
        self._groups = list(group_duplicates(list(articles)))
        self._generation += 1

    def bump(self, articles: Sequence[Article], chunks: Sequence[Chunk]) -> None:
        """New content, as a re-index would leave it."""
        self._set(articles, chunks)

    def generation(self) -> str:
        return f"fake#{self._generation}"

    def count(self) -> int:
        return len(self._chunks)

    def dense_search(self, embedding: np.ndarray, k: int, where: SearchFilter | None) -> list[Passage]:
        if not self._chunks or k <= 0:
            return []
        sims = self._vectors @ np.asarray(embedding, dtype=np.float32)
        order = sorted(range(len(self._chunks)), key=lambda i: -float(sims[i]))
        allowed = None if where is None else self.matching_articles(where)
        hits = [i for i in order if allowed is None or self._chunks[i].article_id in allowed][:k]
        return [Passage(self._chunks[i], float(sims[i]), r + 1, dense_score=float(sims[i])) for r, i in enumerate(hits)]

    def matching_articles(self, where: SearchFilter) -> frozenset[str] | None:
        if where.empty:
            return None
        return frozenset(a.id for a in self._articles.values()
                         if article_matches(where, article_id=a.id, outlet=a.source, paths=[a.source_path],
                                            title=a.title, published=a.published))

    def article_chunks(self, article_id: str) -> list[Chunk]:
        return sorted((c for c in self._chunks if c.article_id == article_id), key=lambda c: c.ordinal)

    def article_facets(self) -> list[ArticleFacet]:
        return [ArticleFacet(a.id, a.title, a.source, a.source_path, a.published, a.url)
                for a in sorted(self._articles.values(), key=lambda a: a.id)]

    def article_ids(self) -> list[str]:
        return sorted(self._articles)

    def outlets(self) -> dict[str, int]:
        counts = Counter(a.source for a in self._articles.values() if a.source)
        return dict(sorted(counts.items(), key=lambda row: (-row[1], row[0])))

    def newest_articles(self, limit: int) -> list[ArticleFacet]:
        return sorted(self.article_facets(), key=lambda f: (f.published or dt.date.min, f.id), reverse=True)[:limit]

    def chunks(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]:
        by_id = {c.id: c for c in self._chunks}
        return {cid: by_id[cid] for cid in chunk_ids if cid in by_id}

    def all_chunks(self) -> list[Chunk]:
        self.all_chunks_calls += 1
        return list(self._chunks)

    def stored_lexical(self) -> Path | None:
        return None  # nothing on disk: the read side builds its keyword index in memory

    def sentences(self, chunk_ids: Sequence[str]) -> dict[str, ChunkSentences]:
        return {cid: self._sentences[cid] for cid in chunk_ids if cid in self._sentences}

    def article(self, article_id: str) -> Article | None:
        return self._articles.get(article_id)

    def articles(self) -> list[Article]:
        return list(self._articles.values())

    def status(self) -> IndexStatus:
        return IndexStatus(
            articles=len(self._articles), chunks=len(self._chunks), embedding_model=self.embedder.name,
            location="memory", last_indexed=None,
            article_titles=tuple(sorted(((a.id, a.title) for a in self._articles.values()),
                                        key=lambda t: (t[1], t[0]))),
            duplicate_groups=tuple(self._groups),
            dated_articles=sum(1 for a in self._articles.values() if a.published is not None),
        )

    def date_mentions(self, article_ids: Sequence[str]) -> list[DateMention]:
        return [m for aid in sorted(set(article_ids)) for m in self._dates.get(aid, ())]

    def duplicate_groups(self) -> list[DuplicateGroup]:
        return list(self._groups)


# --------------------------------------------------------------------------- chat model

Script = str | Sequence[str] | Callable[[str, str], str]


class FakeChatModel(ChatModel):
    """A ChatModel with scripted output (implements protocols.ChatModel).

    `output` is the reply: a text (streamed in deltas of `delta_chars`), the exact deltas
    (a list of strings), or a function of (system, prompt) giving the text. With `fail_after`
    set, the backend fails after streaming at most that many characters (0: at once), raising
    `error` (a BackendError by default, as the real adapters do). `prompts` records every call.
    """

    def __init__(self, output: Script = "", *, name: str = "fake:scripted", fail_after: int | None = None,
                 error: Exception | None = None, delay_s: float = 0.0, delta_chars: int = 7) -> None:
        self.name = name
        self.script = output
        self.fail_after = fail_after
        self.error = error or BackendError("fake server went away mid-stream", fix="restart it")
        self.delay_s = delay_s
        self.delta_chars = delta_chars
        self.prompts: list[tuple[str, str]] = []

    @property
    def output(self) -> str:
        """The whole scripted text (for a fixed script)."""
        if callable(self.script):
            raise TypeError("the output of a prompt-dependent script depends on the prompt")
        return self.script if isinstance(self.script, str) else "".join(self.script)

    def _deltas(self, system: str, prompt: str) -> list[str]:
        if callable(self.script):
            text = self.script(system, prompt)
        elif isinstance(self.script, str):
            text = self.script
        else:
            return list(self.script)
        return [text[i : i + self.delta_chars] for i in range(0, len(text), self.delta_chars)]

    def complete(self, system: str, prompt: str) -> str:
        return "".join(self.stream(system, prompt)).strip()

    def stream(self, system: str, prompt: str) -> Iterator[str]:
        self.prompts.append((system, prompt))
        sent = 0
        for delta in self._deltas(system, prompt):
            if self.fail_after is not None and sent + len(delta) > self.fail_after:
                raise self.error
            if self.delay_s:
                time.sleep(self.delay_s)
            sent += len(delta)
            yield delta
        if self.fail_after is not None:
            raise self.error


# --------------------------------------------------------------------------- sentence reader


class OverlapSentenceReader(SentenceReader):
    """Scores a sentence by the question's content words it states (implements `SentenceReader`).

    logit = 4 * share of the question's content words in the sentence - 2: a sentence stating
    all of them scores +2, one stating none -2. Deterministic and instant, for logic tests.
    """

    name = "overlap"

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []  # (question, how many candidates), per call

    def logits(self, question: str, candidates: Sequence[ReaderInput]) -> np.ndarray:
        self.calls.append((question, len(candidates)))
        wanted = set(content_terms(question))
        out = [4.0 * len(wanted & set(content_terms(c.sentence))) / max(1, len(wanted)) - 2.0 for c in candidates]
        return np.asarray(out, dtype=np.float64)
