"""The packaged MiniLM embedder: shape, normalisation, sharing, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from index.embedder import load_index_embedder, packaged_model_path, resolve_model_location
from newsrag.errors import ConfigError
from newsrag.settings import Settings


def test_packaged_model_embeds_normalised_float32(real_embedder) -> None:
    assert real_embedder.name == "all-MiniLM-L6-v2"
    assert real_embedder.dimension == 384
    vectors = real_embedder.embed_documents(["Iran ended its border mission.", "Baghdad agreed to a deadline."])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = real_embedder.embed_query("When did Iran end the mission on its border?")
    assert query.shape == (384,) and query.dtype == np.float32
    assert float(vectors[0] @ query) > float(vectors[1] @ query), "related text is closer"
    assert real_embedder.embed_documents([]).shape == (0, 384)


def test_batches_give_the_same_vectors_as_single_calls(real_embedder) -> None:
    texts = [f"Sentence {i} about the talks in Geneva and the border." * (1 + i % 3) for i in range(9)]
    together = real_embedder.embed_documents(texts)
    alone = np.stack([real_embedder.embed_query(t) for t in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_one_instance_per_model_name(real_embedder) -> None:
    assert load_index_embedder(Settings()) is real_embedder
    assert resolve_model_location("sentence-transformers/all-MiniLM-L6-v2") == packaged_model_path()
    assert resolve_model_location("all-MiniLM-L6-v2") == packaged_model_path()


def test_unloadable_model_is_a_config_error_naming_the_setting(tmp_path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(ConfigError) as err:
        load_index_embedder(Settings(embedding_model=str(missing), data_dir=tmp_path))
    text = str(err.value)
    assert "NEWSRAG_EMBEDDING_MODEL" in text and "--embedding-model" in text
    assert str(missing) in text
