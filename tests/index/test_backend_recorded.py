"""The index records which backend wrote its vectors: exact backends share an index, others do not."""

from __future__ import annotations

import pytest

from index.index_reader import open_reader
from index.manifest import Manifest
from index.pipeline import Indexer
from newsrag.errors import IndexStateError
from newsrag.protocols import same_vectors


def test_exact_backends_share_vectors_and_others_do_not():
    assert same_vectors("torch", "numpy") and same_vectors("numpy", "torch")
    assert same_vectors("hash", "hash")
    assert not same_vectors("torch", "onnx-int8") and not same_vectors("hash", "torch")


def test_another_backend_is_refused_like_another_model(tmp_path, seeds_copy, make_hash_settings, embedder_cls):
    settings = make_hash_settings(tmp_path / "data")
    Indexer(settings, embedder_cls()).index([seeds_copy])
    manifest = Manifest(settings.manifest_path, readonly=True)
    try:
        assert manifest.get_meta("embedding_backend") == "hash"
    finally:
        manifest.close()

    class Quantized(embedder_cls):  # same model name, vectors that differ
        backend = "hash-int8"

    with pytest.raises(IndexStateError, match="hash-int8") as raised:
        open_reader(settings, Quantized())
    assert "NEWSRAG_QUERY_EMBEDDER" in raised.value.fix
    with pytest.raises(IndexStateError, match="backend") as raised:
        Indexer(settings, Quantized()).index([seeds_copy])
    assert "--rebuild" in raised.value.fix
    Indexer(settings, Quantized()).index([seeds_copy], rebuild=True)  # the user's way out
    reader = open_reader(settings, Quantized())
    reader.manifest.close()
