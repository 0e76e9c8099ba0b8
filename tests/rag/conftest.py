"""Fixtures for rag/ tests: an in-memory IndexReader over the seeds, and a real index.

`FakeIndexReader` implements `newsrag.protocols.IndexReader` over chunks kept in memory
(the seeds loaded and chunked by the real loader and chunker, embedded with the
HashEmbedder), with its own exact filter logic so tests of the retriever's filtering
are not checked against the retriever's own code. `bump()` replaces its chunks and
changes its generation, like a re-index would.

`real_assistant` (session scope) is the end-to-end setup: the packaged MiniLM model,
the real indexer writing an on-disk Chroma index of the seeds, the real reader and
support checker.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from newsrag.settings import Settings
from newsrag.text import words
from newsrag.types import Article, Chunk, ChunkSentences, IndexStatus, Passage, SearchFilter


SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"


def load_seed_articles() -> list[Article]:
    from index.loaders import load_articles

    return list(load_articles([SEEDS_DIR], max_file_bytes=20_000_000).articles)


def chunk_articles(articles: Sequence[Article], chunk_tokens: int = 192, overlap: int = 32) -> list[Chunk]:
    from index.chunker import chunk_article

    return [c for a in articles for c in chunk_article(a, chunk_tokens, overlap)]


def _fake_matches(chunk: Chunk, where: SearchFilter | None) -> bool:
    if where is None:
        return True
    if where.article_ids and chunk.article_id not in where.article_ids:
        return False
    if where.sources and not any(
        s.lower() in (chunk.source or "").lower() or s.lower() in chunk.source_path.lower() for s in where.sources
    ):
        return False
    if where.title_words and not all(w.lower() in words(chunk.title) for w in where.title_words):
        return False
    if (where.date_from or where.date_to) and chunk.published is None:
        return False
    if where.date_from and chunk.published < where.date_from:
        return False
    if where.date_to and chunk.published > where.date_to:
        return False
    return True


class FakeIndexReader:
    """In-memory IndexReader (implements newsrag.protocols.IndexReader)."""

    def __init__(self, articles: Sequence[Article], chunks: Sequence[Chunk], embedder) -> None:
        self.embedder = embedder
        self.all_chunks_calls = 0
        self._generation = 0
        self._set(articles, chunks)

    def _set(self, articles: Sequence[Article], chunks: Sequence[Chunk]) -> None:
        from index.sentences import embed_chunks

        self._articles = {a.id: a for a in articles}
        self._chunks = list(chunks)
        self._vectors, stored = embed_chunks(self.embedder, self._chunks, "separate")
        self._sentences = {s.chunk_id: s for s in stored}
        self._generation += 1

    def bump(self, articles: Sequence[Article], chunks: Sequence[Chunk]) -> None:
        self._set(articles, chunks)

    def generation(self) -> str:
        return f"fake#{self._generation}"

    def count(self) -> int:
        return len(self._chunks)

    def dense_search(self, embedding: np.ndarray, k: int, where: SearchFilter | None) -> list[Passage]:
        if not self._chunks:
            return []
        sims = self._vectors @ np.asarray(embedding, dtype=np.float32)
        order = sorted(range(len(self._chunks)), key=lambda i: -float(sims[i]))
        hits = [i for i in order if _fake_matches(self._chunks[i], where)][:k]
        return [Passage(self._chunks[i], float(sims[i]), r + 1, dense_score=float(sims[i])) for r, i in enumerate(hits)]

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
            article_titles=tuple((a.id, a.title) for a in self._articles.values()),
        )


@pytest.fixture(scope="session")
def seed_articles() -> list[Article]:
    return load_seed_articles()


@pytest.fixture(scope="session")
def seed_chunks(seed_articles) -> list[Chunk]:
    return chunk_articles(seed_articles)


@pytest.fixture
def fake_reader(seed_articles, seed_chunks, hash_embedder) -> FakeIndexReader:
    return FakeIndexReader(seed_articles, seed_chunks, hash_embedder)


def article_id_of(articles: Sequence[Article], filename_prefix: str) -> str:
    return next(a.id for a in articles if Path(a.source_path).name.startswith(filename_prefix))


@pytest.fixture
def fake_assistant(tmp_path, fake_reader):
    from rag.assistant import Assistant
    from rag.checker import SupportChecker

    settings = Settings(data_dir=tmp_path / "data")
    return Assistant.from_settings(
        settings, embedder=fake_reader.embedder, reader=fake_reader, chat_model=None,
        checker=SupportChecker(embedder=None),
    )


@pytest.fixture(scope="session")
def real_index_settings(tmp_path_factory) -> Settings:
    """An on-disk Chroma index of the seeds built by the real indexer with the packaged model."""
    try:
        from index.pipeline import Indexer
    except ImportError as exc:  # pragma: no cover - only while the indexer is being written
        pytest.skip(f"index.pipeline.Indexer is not available yet ({exc})")
    from index.embedder import load_index_embedder

    settings = Settings(data_dir=tmp_path_factory.mktemp("rag-real") / "data")
    Indexer.from_settings(settings, embedder=load_index_embedder(settings)).index([SEEDS_DIR])
    return settings


@pytest.fixture(scope="session")
def real_assistant(real_index_settings):
    from rag.assistant import Assistant

    return Assistant.from_settings(real_index_settings)
