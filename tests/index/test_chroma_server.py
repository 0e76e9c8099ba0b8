"""Indexing into a real Chroma server through settings.chroma_url (manifest stays local).

The server is the `chroma_server` fixture (tests/index/conftest.py)."""

from __future__ import annotations

import pytest

from bench.chroma_server import free_port
from index.index_reader import open_reader, read_status
from index.invariants import check_invariants
from index.pipeline import Indexer, needs_indexing
from newsrag.errors import BackendError, IndexStateError
from newsrag.settings import Settings


def test_seeds_indexed_into_a_chroma_server(chroma_server, tmp_path, seeds_dir, real_embedder) -> None:
    settings = Settings(data_dir=tmp_path / "data", chroma_url=chroma_server)
    report = Indexer.from_settings(settings, embedder=real_embedder).index([seeds_dir])
    assert report.added >= 5 and report.chunks_embedded == report.chunks_total
    assert settings.manifest_path.is_file(), "the manifest stays local"
    assert not settings.chroma_dir.exists(), "no embedded Chroma when a server is configured"
    assert check_invariants(settings) == []
    assert read_status(settings).location == chroma_server
    assert not needs_indexing(settings, [seeds_dir])

    reader = open_reader(settings, real_embedder)
    passages = reader.dense_search(real_embedder.embed_query("Iran ends its western border mission"), 3, None)
    assert len(passages) == 3 and passages[0].chunk.title == "Iran Ends Mission to Safeguard Iraq Border"
    again = Indexer.from_settings(settings, embedder=real_embedder).index([seeds_dir])
    assert again.chunks_embedded == 0 and again.unchanged == report.added


def test_unreachable_server_is_a_clear_error(tmp_path, seeds_dir, hash_embedder) -> None:
    settings = Settings(data_dir=tmp_path / "data", chroma_url=f"http://127.0.0.1:{free_port()}",
                        embedding_model="hash-embedder")
    with pytest.raises((BackendError, IndexStateError)) as err:
        Indexer(settings, hash_embedder).index([seeds_dir])
    assert "127.0.0.1" in str(err.value) and "Fix:" in str(err.value)
