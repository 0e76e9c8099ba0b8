"""Fixtures for rag/ tests: an in-memory IndexReader over the seeds, a real index, a real LLM server.

`fake_reader` is `tests.fakes.FakeIndexReader` over the seeds, loaded and chunked by the
real loader and chunker and embedded with the HashEmbedder.

`real_assistant` (session scope) is the end-to-end setup: the packaged MiniLM model,
the real indexer writing an on-disk Chroma index of the seeds, the real reader and
support checker. `llm_server` (session scope) is a real llama.cpp server with the packaged
SmolLM2 model (tests/rag/llm_server.py), skipped where llama.cpp is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from newsrag.settings import Settings
from newsrag.types import Article, Chunk
from tests.fakes import FakeIndexReader, chunk_articles, load_articles_in
from tests.rag.llm_server import AVAILABLE, UNAVAILABLE_REASON, LLMServer, start_server, stop_server

__all__ = ["FakeIndexReader", "article_id_of", "chunk_articles", "load_seed_articles"]

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"


def load_seed_articles() -> list[Article]:
    return load_articles_in([SEEDS_DIR])


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
    from rag.checking.support_checker import SupportChecker

    settings = Settings(data_dir=tmp_path / "data")
    return Assistant.from_settings(
        settings, embedder=fake_reader.embedder, reader=fake_reader, chat_model=None,
        checker=SupportChecker(embedder=None),
    )


@pytest.fixture(scope="session")
def real_index_settings(tmp_path_factory) -> Settings:
    """An on-disk Chroma index of the seeds built by the real indexer with the packaged model."""
    from index.embedder import load_index_embedder
    from index.pipeline import Indexer

    settings = Settings(data_dir=tmp_path_factory.mktemp("rag-real") / "data")
    Indexer.from_settings(settings, embedder=load_index_embedder(settings)).index([SEEDS_DIR])
    return settings


@pytest.fixture(scope="session")
def real_assistant(real_index_settings):
    from rag.assistant import Assistant

    return Assistant.from_settings(real_index_settings)


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory) -> Iterator[LLMServer]:
    """A real llama.cpp OpenAI-compatible server with the packaged SmolLM2-135M (one per session)."""
    if not AVAILABLE:
        pytest.skip(UNAVAILABLE_REASON)
    server = start_server(tmp_path_factory.mktemp("llm"))
    yield server
    stop_server(server)
