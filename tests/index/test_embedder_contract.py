"""One contract for every Embedder/SpanEmbedder: the packaged model and the test fake pass the same checks.

The fake is `tests.fakes.HashEmbedder`, the real one the packaged MiniLM through
sentence-transformers (`index.embedder.load_index_embedder`). A test here that only the fake
passes means the fake promises something the model does not, and the tests built on it lie.
"""

from __future__ import annotations

import numpy as np
import pytest

from newsrag.protocols import SpanEmbedder
from tests.fakes import HashEmbedder

TEXTS = ["Iran set a deadline of September 19. Iraq moved the groups.", "A second, unrelated text about rain."]
SPANS = [[(0, 36), (37, 59)], [(0, 36)]]


@pytest.fixture(params=["fake", "real"])
def embedder(request):
    if request.param == "fake":
        return HashEmbedder()
    return request.getfixturevalue("real_embedder")


def test_it_names_itself_and_its_vectors(embedder):
    assert isinstance(embedder, SpanEmbedder)
    assert isinstance(embedder.name, str) and embedder.name
    assert isinstance(embedder.backend, str) and embedder.backend
    assert isinstance(embedder.dimension, int) and embedder.dimension > 0


def test_the_same_text_gives_the_same_vector(embedder):
    assert np.allclose(embedder.embed_documents(TEXTS), embedder.embed_documents(TEXTS), atol=1e-6)
    assert np.allclose(embedder.embed_query(TEXTS[1]), embedder.embed_query(TEXTS[1]), atol=1e-6)


def test_a_text_is_closer_to_a_rewording_than_to_an_unrelated_text(embedder):
    query = embedder.embed_query("When was the deadline for Iraq to move the groups?")
    related, unrelated = embedder.embed_documents(TEXTS)
    assert float(query @ related) > float(query @ unrelated)


def test_documents_are_unit_rows_of_the_declared_dimension(embedder):
    vectors = embedder.embed_documents(TEXTS)
    assert vectors.shape == (2, embedder.dimension) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_documents([]).shape == (0, embedder.dimension)


def test_a_query_is_embedded_like_a_document(embedder):
    assert np.allclose(embedder.embed_query(TEXTS[0]), embedder.embed_documents([TEXTS[0]])[0], atol=1e-5)


def test_span_vectors_come_with_the_same_text_vectors(embedder):
    vectors, pooled = embedder.embed_with_spans(TEXTS, SPANS)
    assert np.allclose(vectors, embedder.embed_documents(TEXTS), atol=1e-5)
    assert [p.shape for p in pooled] == [(2, embedder.dimension), (1, embedder.dimension)]
    for p in pooled:
        assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-5)
