"""The query path's NumPy embedder: the same vectors as sentence-transformers, without torch.

The equality test is the contract that lets an index written by torch be queried by
NumPy (`newsrag.protocols.EXACT_BACKENDS`); the import test is what makes a cold start
take about a second instead of ten.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from index.embedder import load_query_embedder, packaged_model_path
from index.numpy_embedder import NumpyBertEmbedder, UnsupportedModel
from newsrag.errors import ConfigError
from newsrag.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
# What the query path must never import: the reason for this backend (7-9 s of imports).
HEAVY = ("torch", "transformers", "sentence_transformers", "sklearn", "llama_index", "gradio", "matplotlib")


@pytest.fixture(scope="module")
def numpy_embedder() -> NumpyBertEmbedder:
    embedder = load_query_embedder(Settings())
    assert isinstance(embedder, NumpyBertEmbedder)
    return embedder


def _seed_chunk_texts() -> list[str]:
    from index.article_files import load_articles
    from index.chunker import Chunker

    settings = Settings()
    chunker = Chunker.from_settings(settings)
    articles = load_articles([ROOT / "seeds"], settings.file_limits).articles
    return [c.embedding_text for a in articles for c in chunker.chunk(a)]


def test_vectors_equal_sentence_transformers_on_the_seeds_chunks(numpy_embedder, real_embedder):
    texts = [*_seed_chunk_texts(), "What was the September 19 deadline?", "  padded  ", "a", "é " * 400]
    ours = numpy_embedder.embed_documents(texts)
    theirs = real_embedder.embed_documents(texts)
    assert ours.shape == theirs.shape == (len(texts), 384) and ours.dtype == np.float32
    assert float((ours * theirs).sum(axis=1).min()) >= 0.9999
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    question = "Who is Iran's ambassador to Baghdad?"
    assert float(numpy_embedder.embed_query(question) @ real_embedder.embed_query(question)) >= 0.9999
    assert numpy_embedder.embed_documents([]).shape == (0, 384)


def test_backends_and_names_match_what_the_index_records(numpy_embedder, real_embedder):
    assert (numpy_embedder.name, numpy_embedder.dimension) == (real_embedder.name, real_embedder.dimension)
    assert (numpy_embedder.backend, real_embedder.backend) == ("numpy", "torch")
    assert load_query_embedder(Settings(query_embedder="torch")) is real_embedder


def _copy_model(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(packaged_model_path(), folder)
    return folder


def test_layouts_it_cannot_reproduce_are_refused(tmp_path):
    folder = _copy_model(tmp_path)
    pooling = folder / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.write_text(json.dumps({**config, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}))
    with pytest.raises(UnsupportedModel, match="mean pooling"):
        NumpyBertEmbedder("cls-model", str(folder), 8, 1)
    # auto falls back to torch for such a model; "numpy" says why it cannot.
    with pytest.raises(ConfigError, match="NEWSRAG_QUERY_EMBEDDER"):
        load_query_embedder(Settings(embedding_model=str(folder), query_embedder="numpy"))
    (folder / "modules.json").unlink()
    with pytest.raises(UnsupportedModel, match="modules.json"):
        NumpyBertEmbedder("bare", str(folder), 8, 1)


def test_the_query_path_imports_no_torch(tmp_path, real_index_settings_for_imports):
    """A real question over a real index, in a fresh interpreter, through `newsrag ask`'s path."""
    script = textwrap.dedent(f"""
        import sys
        from newsrag.offline import configure_offline
        configure_offline()
        from newsrag.settings import Settings
        from rag.assistant import Assistant
        answer = Assistant.from_settings(Settings(data_dir={str(real_index_settings_for_imports.data_dir)!r})).ask(
            "What was the September 19 deadline?")
        assert not answer.refused and answer.citations, answer
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r})
        print("HEAVY", heavy)
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "HEAVY []" in out.stdout, out.stdout


@pytest.fixture(scope="module")
def real_index_settings_for_imports(tmp_path_factory, real_embedder) -> Settings:
    from index.pipeline import Indexer

    settings = Settings(data_dir=tmp_path_factory.mktemp("numpy-path") / "data")
    Indexer.from_settings(settings, embedder=real_embedder).index([ROOT / "seeds"])
    return settings
