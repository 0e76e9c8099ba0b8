"""The query path's ONNX embedder: the same vectors as sentence-transformers, without torch.

The equality test is the contract that lets an index written by torch be queried on
onnxruntime (`newsrag.protocols.EXACT_BACKENDS`); the import test is what makes a cold
start take about a second instead of ten. The export is made for real (torch.onnx.export)
into a private cache, by the indexer, as on a user's first `newsrag index`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from index.embedder import SentenceTransformerEmbedder, load_query_embedder, packaged_model_path
from index.onnx_embedder import META_FILE, MODEL_FILE, OnnxEmbedder, export_dir
from newsrag.errors import ConfigError
from newsrag.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
# What the query path must never import: the reason for this backend (7-9 s of imports).
HEAVY = ("torch", "transformers", "sentence_transformers", "sklearn", "llama_index", "gradio", "matplotlib")


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, real_embedder) -> Settings:
    """The seeds indexed with the real model, with a model cache of their own (empty before)."""
    from index.pipeline import Indexer

    base = tmp_path_factory.mktemp("onnx-path")
    settings = Settings(data_dir=base / "data", model_cache_dir=base / "cache")
    Indexer.from_settings(settings, embedder=real_embedder).index([ROOT / "seeds"])
    return settings


@pytest.fixture(scope="module")
def onnx_embedder(indexed) -> OnnxEmbedder:
    embedder = load_query_embedder(indexed)
    assert isinstance(embedder, OnnxEmbedder)
    return embedder


def _seed_chunk_texts() -> list[str]:
    from index.article_files import load_articles
    from index.chunker import Chunker

    settings = Settings()
    chunker = Chunker.from_settings(settings)
    articles = load_articles([ROOT / "seeds"], settings.file_limits).articles
    return [c.embedding_text for a in articles for c in chunker.chunk(a)]


def test_indexing_leaves_the_export_in_the_model_cache(indexed, real_embedder):
    folder = export_dir(indexed.model_cache_dir, real_embedder.name, real_embedder.location)
    assert (folder / MODEL_FILE).is_file()
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    assert (meta["name"], meta["dimension"], meta["max_tokens"]) == ("all-MiniLM-L6-v2", 384, 256)
    # Nothing half-written is left beside it (the export is renamed into place whole).
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]


def test_vectors_equal_sentence_transformers_on_the_seeds_chunks(onnx_embedder, real_embedder):
    texts = [*_seed_chunk_texts(), "What was the September 19 deadline?", "  padded  ", "a", "é " * 400]
    ours = onnx_embedder.embed_documents(texts)
    theirs = real_embedder.embed_documents(texts)
    assert ours.shape == theirs.shape == (len(texts), 384) and ours.dtype == np.float32
    assert float((ours * theirs).sum(axis=1).min()) >= 0.9999
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    question = "Who is Iran's ambassador to Baghdad?"
    assert float(onnx_embedder.embed_query(question) @ real_embedder.embed_query(question)) >= 0.9999
    assert onnx_embedder.embed_documents([]).shape == (0, 384)


def test_backends_and_names_match_what_the_index_records(onnx_embedder, real_embedder, indexed):
    assert (onnx_embedder.name, onnx_embedder.dimension) == (real_embedder.name, real_embedder.dimension)
    assert (onnx_embedder.backend, real_embedder.backend) == ("onnx", "torch")
    assert load_query_embedder(indexed.model_copy(update={"query_embedder": "torch"})) is real_embedder
    assert load_query_embedder(indexed) is onnx_embedder  # loaded once per process


def test_changed_weights_get_a_fresh_export(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(str(packaged_model_path()), folder)
    before = export_dir(tmp_path / "cache", "m", str(folder))
    weights = folder / "model.safetensors"
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))
    assert export_dir(tmp_path / "cache", "m", str(folder)) != before
    assert export_dir(tmp_path / "cache", "other", str(folder)) != export_dir(tmp_path / "cache", "m", str(folder))


def test_without_onnx_auto_falls_back_to_torch_and_onnx_says_why(tmp_path, monkeypatch, real_embedder):
    monkeypatch.setitem(sys.modules, "onnx", None)  # as on a machine without the `onnx` package
    settings = Settings(data_dir=tmp_path / "data", model_cache_dir=tmp_path / "cache")
    embedder = load_query_embedder(settings)
    assert isinstance(embedder, SentenceTransformerEmbedder) and embedder is real_embedder
    with pytest.raises(ConfigError, match="NEWSRAG_QUERY_EMBEDDER=onnx") as info:
        load_query_embedder(settings.model_copy(update={"query_embedder": "onnx"}))
    assert "onnx" in info.value.fix
    assert not any((tmp_path / "cache" / "query-encoders").iterdir())  # no partial export left


def test_the_query_path_imports_no_torch(indexed, onnx_embedder):
    """A real question over a real index, in a fresh interpreter, through `newsrag ask`'s path."""
    script = textwrap.dedent(f"""
        import sys
        from newsrag.offline import configure_offline
        configure_offline()
        from newsrag.settings import Settings
        from rag.assistant import Assistant
        settings = Settings(data_dir={str(indexed.data_dir)!r}, model_cache_dir={str(indexed.model_cache_dir)!r})
        answer = Assistant.from_settings(settings).ask("What was the September 19 deadline?")
        assert not answer.refused and answer.citations, answer
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r})
        print("HEAVY", heavy)
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "HEAVY []" in out.stdout, out.stdout


def test_a_damaged_export_is_made_again_not_a_crash(tmp_path, indexed, real_embedder):
    from index import embedder as embedder_module

    cache = tmp_path / "cache"
    shutil.copytree(indexed.model_cache_dir, cache)
    folder = export_dir(cache, real_embedder.name, real_embedder.location)
    (folder / MODEL_FILE).write_bytes(b"cut short")  # as after a disk error
    settings = indexed.model_copy(update={"model_cache_dir": cache})
    embedder_module._onnx_cache.clear()  # a new process: nothing loaded yet
    embedder = load_query_embedder(settings)
    assert isinstance(embedder, OnnxEmbedder)
    question = "Who signed the agreement, and when?"
    assert float(embedder.embed_query(question) @ real_embedder.embed_query(question)) >= 0.9999
    assert (folder / MODEL_FILE).stat().st_size > 1_000_000


def test_stale_exports_are_those_of_changed_or_vanished_weights_or_another_version(indexed, real_embedder, tmp_path):
    """The cache keeps one export per model and install: a reinstall's or an older version's is stale."""
    from index.onnx_embedder import EXPORT_VERSION, stale_exports

    cache = tmp_path / "cache"
    shutil.copytree(indexed.model_cache_dir, cache)
    current = export_dir(cache, real_embedder.name, real_embedder.location)
    assert current.is_dir() and stale_exports(cache) == []

    def copy_as(folder_name: str, **meta_changes) -> Path:
        folder = current.parent / folder_name
        shutil.copytree(current, folder)
        meta = {**json.loads((current / META_FILE).read_text()), **meta_changes}
        (folder / META_FILE).write_text(json.dumps(meta))
        return folder

    moved_weights = copy_as("all-MiniLM-L6-v2-0000000000000000")  # the key of weights since changed
    gone = copy_as("all-MiniLM-L6-v2-1111111111111111", location=str(tmp_path / "uninstalled"))
    older = copy_as("all-MiniLM-L6-v2-2222222222222222", version=EXPORT_VERSION - 1)
    hub = export_dir(cache, "some/hub-model", "some/hub-model")  # a name the library resolved itself
    shutil.copytree(current, hub)
    (hub / META_FILE).write_text(json.dumps({**json.loads((current / META_FILE).read_text()),
                                             "name": "some/hub-model", "location": "some/hub-model"}))
    in_progress = current.parent / f".{current.name}.tmp123"  # another process writing an export
    in_progress.mkdir()
    unreadable = current.parent / "all-MiniLM-L6-v2-3333333333333333"
    unreadable.mkdir()
    assert stale_exports(cache) == sorted([moved_weights, gone, older])
