"""The places a part plugs in, typed: embedder (and span embedder), index reader, chat model,
answerer, support checker, reranker, and the assistant the UI, the CLI and conversations call.

Implementations: `index/embedder.py` (sentence-transformers, also a span embedder for
late-chunked sentence vectors), `index/index_reader.py` (Chroma's nearest neighbours joined
with the manifest), `rag/llm/chat_models.py` (OpenAI-compatible, llama.cpp), `rag/answering/` (the
offline and the LLM answerer), `rag/checking/support_checker.py`
(`SupportChecker`), `rag/retrieval/reranker.py` (`CrossEncoderReranker`), `rag/assistant.py`
(`Assistant`). Tests use the fakes in `tests/fakes.py` (and `FakeAssistant` in
`tests/ui/conftest.py`), which implement these same protocols; contract suites run the
same tests on a fake and on the real part it stands for
(`tests/index/test_embedder_contract.py`, `tests/index/test_reader_contract.py`,
`tests/rag/test_chat_model_contract.py`).

Deliberately left out: a protocol for a part nothing swaps (no second implementation and
no fake in the tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from newsrag.text import Span
from newsrag.types import (
    Answer,
    Article,
    ArticleFacet,
    AskOptions,
    Chunk,
    ChunkSentences,
    Citation,
    Conflict,
    DateMention,
    Draft,
    DuplicateGroup,
    IndexStatus,
    Passage,
    SearchFilter,
    Statement,
    SupportCheck,
    Timeline,
    Turn,
)

# Backends that compute a sentence-transformers model's own float32 vectors (cosine
# >= 0.9999 to sentence-transformers, tests/index/test_onnx_embedder.py): an index
# written by one is queried by another. "numpy" is the query path's former embedder,
# kept so that indexes it wrote stay readable.
EXACT_BACKENDS = frozenset({"torch", "onnx", "numpy"})


def same_vectors(backend: str, other: str) -> bool:
    """Whether vectors from one backend can be compared with vectors from the other."""
    return backend == other or (backend in EXACT_BACKENDS and other in EXACT_BACKENDS)


class Embedder(Protocol):
    name: str  # recorded in the index; a different name on an existing index is an error
    # The implementation ("torch", "onnx", ...), recorded in the index beside the name:
    # backends in `newsrag.protocols.EXACT_BACKENDS` give the same vectors (tested), any
    # other one is treated like a different model.
    backend: str
    dimension: int

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dimension), rows L2-normalised."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """float32 array (dimension,), L2-normalised."""
        ...


class IndexReader(Protocol):
    """The read side of the index, all that `rag/` may touch."""

    def generation(self) -> str:
        """Changes whenever the index content changes (cheap to call on every query)."""
        ...

    def count(self) -> int: ...

    def dense_search(self, embedding: np.ndarray, k: int, where: SearchFilter | None) -> list[Passage]:
        """Top-k chunks by cosine similarity; Passage.dense_score set, rank 1-based."""
        ...

    def matching_articles(self, where: SearchFilter) -> frozenset[str] | None:
        """The ids of the articles the filter lets through (newsrag/filters.py); None: every article."""
        ...

    def chunks(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]:
        """These chunks by id (ids the index does not hold are left out): what a search found."""
        ...

    def all_chunks(self) -> list[Chunk]:
        """Every chunk, in a stable order: for whole-collection work (the catalogue, a keyword
        index built in memory when none is stored), never on a question's path."""
        ...

    def stored_lexical(self) -> Path | None:
        """The folder of the keyword index `index/` stored for the current generation, or None
        when there is none (then the read side builds one in memory)."""
        ...

    def sentences(self, chunk_ids: Sequence[str]) -> dict[str, ChunkSentences]:
        """The stored sentence spans and vectors of these chunks (chunks without any are left out)."""
        ...

    def article(self, article_id: str) -> Article | None: ...

    def article_chunks(self, article_id: str) -> list[Chunk]:
        """The chunks of one article, in reading order (none for an unknown id)."""
        ...

    def article_facets(self) -> list[ArticleFacet]:
        """Every article's id, title, outlet, first path and date, ordered by id: no texts read."""
        ...

    def article_ids(self) -> list[str]:
        """Every article's id, ordered: what a whole-collection list needs before it reads any article."""
        ...

    def outlets(self) -> dict[str, int]:
        """Each outlet the index records -> its article count, most articles first (then by name)."""
        ...

    def newest_articles(self, limit: int) -> list[ArticleFacet]:
        """The `limit` latest-dated articles' facets, newest first (undated ones last, ties by id
        descending), read without a pass over every article."""
        ...

    def articles(self) -> list[Article]: ...

    def status(self) -> IndexStatus: ...

    def date_mentions(self, article_ids: Sequence[str]) -> list[DateMention]:
        """The resolved date expressions `index/` stored for these articles, by article then offset."""
        ...

    def duplicate_groups(self) -> list[DuplicateGroup]:
        """The groups of republished copies `index/` found (representative first in each)."""
        ...


@runtime_checkable
class SpanEmbedder(Embedder, Protocol):
    """An embedder that also pools vectors for character spans of each text from the same
    forward pass ("late chunking": one pass gives a chunk vector and its sentences' vectors)."""

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
                         ) -> tuple[np.ndarray, list[np.ndarray]]:
        """(text vectors (n, dimension), one (len(spans[i]), dimension) array per text), all L2-normalised.

        A span the model did not see (past its token limit) gets a zero row."""
        ...


class ChatModel(Protocol):
    """A text-completion LLM behind an adapter (llama-index LLM classes inside)."""

    name: str

    def complete(self, system: str, prompt: str) -> str: ...

    def stream(self, system: str, prompt: str) -> Iterator[str]:
        """Yields text deltas. Raises newsrag.errors.BackendError on failure or timeout."""
        ...


class Answerer(Protocol):
    """Drafts an answer from numbered passages: the offline extractive answerer or an LLM's."""

    name: str

    def draft(
        self,
        question: str,
        passages: Sequence[Passage],
        on_token: Callable[[str], None] | None = None,
        *,
        evidence: Mapping[int, Sequence[str]] | None = None,
        query_embedding: np.ndarray | None = None,
    ) -> Draft:
        """Answer `question` from `passages` only; call on_token with text deltas if streaming.

        `evidence` (passage number -> candidate sentences) narrows what an LLM is shown;
        `query_embedding` spares the offline answerer embedding the question again. An
        answerer ignores what it has no use for."""
        ...


class Checker(Protocol):
    """Checks an answer sentence against the passages it cites (`rag.checking.support_checker.SupportChecker`)."""

    def locate(self, sentence: str, passage: Passage) -> Span:
        """Where in the passage (article offsets) the sentence's evidence is."""
        ...

    def check(self, sentence: str, citations: Sequence[Citation]) -> SupportCheck:
        """Whether the cited passages support the sentence, with the reasons when they do not."""
        ...


class ConflictDetector(Protocol):
    """Says whether two sentences disagree (`rag.research.conflict_rules.RulesConflictDetector`, or
    `rag.research.conflict_nli.NliConflictDetector` when NEWSRAG_NLI_MODEL names a local cross-encoder)."""

    name: str

    def conflict(self, a: Statement, b: Statement) -> Conflict | None:
        """The conflict between a and b when its probability reaches the detector's threshold, else None.

        None is the safe answer: a missed disagreement costs less than a wrong "sources disagree".
        """
        ...


class Reranker(Protocol):
    """Re-scores the fused candidate list (`rag.retrieval.reranker.CrossEncoderReranker`)."""

    name: str

    def rerank(self, query: str, passages: Sequence[Passage]) -> list[Passage]:
        """The same passages, best first, with score, rerank_score and rank (1-based) set."""
        ...


class AssistantService(Protocol):
    """The assistant as the UI, the CLI and a `ChatSession` call it (`rag.assistant.Assistant`)."""

    @property
    def embedder(self) -> Embedder | None:
        """The embedder answering uses, for indexing uploads with the same model (None: load one)."""
        ...

    def ask(self, question: str, history: Sequence[Turn] = (), options: AskOptions | None = None) -> Answer:
        """One cited, checked Answer; InputError for an unusable question."""
        ...

    def stream(self, question: str, history: Sequence[Turn] = (), options: AskOptions | None = None
               ) -> Iterator[str | Answer]:
        """Text deltas as they are produced, then the final Answer (always last)."""
        ...

    def example_questions(self, n: int = 4) -> list[str]:
        """Up to n questions about the indexed articles that the assistant can answer."""
        ...

    def timeline(self, query: str, options: AskOptions | None = None) -> Timeline:
        """The dated sentences of the articles matching `query`, earliest first; InputError for an unusable query."""
        ...

    def status(self) -> IndexStatus: ...

    def article(self, article_id: str) -> Article:
        """The indexed article; InputError for an unknown id."""
        ...

    def refresh(self) -> None:
        """Re-open the index after it was written elsewhere."""
        ...
