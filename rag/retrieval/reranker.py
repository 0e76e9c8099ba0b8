"""The optional reranking slot: a sentence-transformers CrossEncoder over the fused list.

Off by default (`settings.reranker_model` is None): no cross-encoder ships with the
product and nothing may be downloaded. When a model name or local path is set, it is
loaded once on CPU; a model that cannot be loaded is a ConfigError at start-up, not a
silent fallback, because the user asked for it explicitly.

Deliberately left out: LLM-based reranking (too slow for the latency target).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace

from newsrag.errors import ConfigError
from newsrag.settings import Settings
from newsrag.types import Passage


class CrossEncoderReranker:
    """Scores (query, passage) pairs with a CrossEncoder and reorders passages by that score."""

    def __init__(self, model_name: str) -> None:
        self.name = model_name
        try:
            from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(model_name, device="cpu")
        except Exception as exc:  # missing files, hub look-up refused offline, bad config
            raise ConfigError(
                f"expected a loadable CrossEncoder for NEWSRAG_RERANKER_MODEL={model_name!r}, "
                f"got {type(exc).__name__}: {exc}",
                fix="point NEWSRAG_RERANKER_MODEL at a local cross-encoder folder, or unset it "
                "to use fused dense+BM25 ranking",
            ) from exc
        self._lock = threading.Lock()  # torch modules are not safe across threads

    def rerank(self, query: str, passages: Sequence[Passage]) -> list[Passage]:
        if not passages:
            return []
        pairs = [(query, p.chunk.embedding_text) for p in passages]
        with self._lock:
            scores = self._model.predict(pairs, show_progress_bar=False)
        order = sorted(range(len(passages)), key=lambda i: (-float(scores[i]), i))
        return [
            replace(passages[i], score=float(scores[i]), rerank_score=float(scores[i]), rank=r + 1)
            for r, i in enumerate(order)
        ]


def load_reranker(settings: Settings) -> CrossEncoderReranker | None:
    """The configured reranker, or None when settings.reranker_model is unset."""
    if not settings.reranker_model:
        return None
    return CrossEncoderReranker(settings.reranker_model)
