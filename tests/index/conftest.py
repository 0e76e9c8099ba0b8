"""Fixtures for the indexer tests: settings for the hash embedder, the real model once,
a small generated corpus, a snapshot of an index for "same as a clean run" checks, and a
real `chroma run` server (`chroma_server`; `running_chroma` for a longer-lived one)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.chroma_server import chroma_executable, running_chroma as chroma_server_at
from bench.corpus import write_corpus
from index.chroma_store import ChromaIndex
from newsrag.settings import Settings


@dataclass(frozen=True)
class IndexSnapshot:
    """What two index runs must agree on (ids, fingerprints, offsets, sources)."""

    chroma: tuple[tuple[str, str, str], ...]  # (chunk id, fingerprint, document text)
    chunks: tuple[tuple, ...]  # manifest rows (id, article id, ordinal, start, end, tokens)
    articles: tuple[tuple[str, str], ...]  # (article id, fingerprint)
    sources: tuple[tuple[str, str], ...]  # (article id, source path)
    sentences: tuple[tuple, ...] = ()  # (chunk id, ordinal, start, end, vector bytes)
    lexical: str | None = None  # the stored keyword index the manifest names (its corpus key)


def snapshot(settings: Settings) -> IndexSnapshot:
    got = ChromaIndex.open_for_read(settings).collection.get(include=["documents", "metadatas"])
    chroma = tuple(sorted(
        (cid, meta["fingerprint"], doc)
        for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
    ))
    conn = sqlite3.connect(f"file:{settings.manifest_path}?mode=ro", uri=True)
    try:
        chunks = tuple(conn.execute(
            'SELECT id, article_id, ordinal, start, "end", token_count FROM chunks ORDER BY id'))
        articles = tuple(conn.execute("SELECT id, fingerprint FROM articles ORDER BY id"))
        sources = tuple(conn.execute("SELECT article_id, source_path FROM article_sources ORDER BY 1, 2"))
        sentences = tuple(conn.execute('SELECT chunk_id, ordinal, start, "end", vector FROM sentences ORDER BY 1, 2'))
        lexical = conn.execute("SELECT value FROM meta WHERE key = 'bm25'").fetchone()
    finally:
        conn.close()
    return IndexSnapshot(chroma, chunks, articles, sources, sentences, lexical[0] if lexical else None)


def hash_settings_for(data_dir: Path, **overrides) -> Settings:
    return Settings(data_dir=data_dir, embedding_model="hash-embedder", **overrides)


@pytest.fixture
def hash_settings(tmp_path: Path) -> Settings:
    """Settings whose model name matches the HashEmbedder, so needs_indexing agrees with it."""
    return hash_settings_for(tmp_path / "data")


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    write_corpus(folder, 24, seed=7)
    return folder


@pytest.fixture(scope="session")
def real_embedder():
    from index.embedder import load_index_embedder

    return load_index_embedder(Settings())


# Test modules here cannot import conftest modules by name (two `conftest` modules on
# sys.path), so helpers reach them as fixtures.


@pytest.fixture
def embedder_cls(hash_embedder) -> type:
    """The HashEmbedder class from tests/conftest.py, to make fresh instances / subclasses."""
    return type(hash_embedder)


@pytest.fixture
def take_snapshot():
    return snapshot


@pytest.fixture
def make_hash_settings():
    return hash_settings_for


# --------------------------------------------------------------------------- a Chroma server

@contextmanager
def running_chroma(folder: Path) -> Iterator[str]:
    """A `chroma run` server storing under `folder` (bench/chroma_server.py); its URL, until the block ends."""
    if chroma_executable() is None:
        pytest.skip("the `chroma` server executable is not installed")
    with chroma_server_at(folder / "server-data", folder / "chroma.log") as (url, _):
        yield url


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    with running_chroma(tmp_path) as url:
        yield url
