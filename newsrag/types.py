"""The data that crosses module boundaries: articles, chunks, passages, citations, answers.

Every type here is a frozen dataclass so that a value handed from `index/` to `rag/`
to `ui/` cannot be changed on the way. Character offsets always index into
`Article.text` (the *cleaned* article text), never into the raw file.

Deliberately left out: any behaviour beyond trivial derived properties and
JSON conversion. Logic lives in the packages that own it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Article:
    """One news story after loading and cleaning."""

    id: str
    title: str
    text: str  # cleaned body; offsets in Chunk/Citation index into this
    source_path: str  # file the story came from (first one when stored once for several)
    url: str | None = None
    source: str | None = None  # outlet, e.g. "Tehrantimes"
    dateline: str | None = None  # e.g. "TEHRAN (Dispatches)"
    published: dt.date | None = None
    part: int = 0  # 0 for a whole file; 1, 2, ... when one file held several stories


@dataclass(frozen=True)
class Chunk:
    """A contiguous slice of an article: `article.text[start:end] == text`."""

    id: str
    article_id: str
    ordinal: int
    text: str
    start: int
    end: int
    title: str
    source_path: str
    token_count: int
    source: str | None = None
    dateline: str | None = None
    published: dt.date | None = None

    @property
    def embedding_text(self) -> str:
        """What is embedded and lexically indexed: the title travels with every chunk."""
        return f"{self.title}\n{self.text}"


@dataclass(frozen=True, eq=False)
class ChunkSentences:
    """The sentences of one chunk as the index stores them: article offsets and unit vectors.

    Written by `index/` beside the chunk (same transaction), read by the answerer, so
    that a question is compared with every sentence without embedding any at query time.
    """

    chunk_id: str
    spans: tuple[tuple[int, int], ...]  # (start, end) offsets into Article.text, in order
    vectors: np.ndarray  # float32 (len(spans), dimension), rows L2-normalised


@dataclass(frozen=True)
class Passage:
    """A chunk as retrieved for one query, with the scores that ranked it."""

    chunk: Chunk
    score: float  # final (fused or reranked) score; higher is better
    rank: int  # 1-based rank in the final list
    dense_score: float | None = None  # cosine similarity, when the dense side found it
    lexical_score: float | None = None  # BM25 score, when the lexical side found it
    rerank_score: float | None = None


@dataclass(frozen=True)
class Citation:
    """What `[number]` in an answer points to: one sentence inside one passage."""

    number: int  # 1-based, as written in the answer text
    article_id: str
    chunk_id: str
    title: str
    source_path: str
    passage: str  # the whole passage text the sentence was cited from
    quote: str  # the cited sentence(s), == article.text[start:end]
    start: int  # offsets of the quote in the cleaned article text
    end: int
    source: str | None = None
    dateline: str | None = None
    published: dt.date | None = None


@dataclass(frozen=True)
class SupportCheck:
    """The verdict of the support checker for one answer sentence."""

    supported: bool
    score: float  # 0..1, higher means better supported
    method: str  # "verbatim", "heuristic", "nli", "uncited"
    reasons: tuple[str, ...] = ()  # human-readable, e.g. "date 'October 3' not in cited passage [1]"


@dataclass(frozen=True)
class AnswerSentence:
    text: str  # the sentence as shown, citation markers included
    citations: tuple[int, ...]  # 1-based numbers into Answer.citations
    check: SupportCheck


@dataclass(frozen=True)
class Timing:
    stage: str  # "condense", "embed", "retrieve", "answer", "check", "total"
    ms: float


@dataclass(frozen=True)
class Turn:
    """One finished exchange in a conversation."""

    question: str
    answer: str


ANSWER_KINDS = ("answer", "refusal", "greeting", "smalltalk", "collection", "summary")


@dataclass(frozen=True)
class Answer:
    question: str  # as the user typed it
    query: str  # the standalone query actually searched (after condensing follow-ups)
    text: str  # the answer with [n] markers
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    refused: bool
    answerer: str  # "offline", "openai-like:<model>", "llama-cpp:<file>"
    timings: tuple[Timing, ...] = ()
    notes: tuple[str, ...] = ()  # e.g. "LLM unavailable, fell back to the offline answerer"
    short: str | None = None  # for factoid questions: the span of the first cited sentence that answers
    confidence: float | None = None  # offline answerer: fitted probability that its best sentence answers
    # Which job was done (ANSWER_KINDS): "answer" (a question answered), "refusal" (nothing found:
    # `refused` is then True), "greeting", "smalltalk", "collection" (a list of articles) or "summary".
    # Left empty, it follows `refused`.
    kind: str = ""
    heading: str | None = None  # a list's or summary's first line, from the index's own facts (not cited)
    suggestions: tuple[str, ...] = ()  # example requests offered with a greeting

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", "refusal" if self.refused else "answer")
        if self.kind not in ANSWER_KINDS:
            raise ValueError(f"expected Answer.kind among {ANSWER_KINDS}, got {self.kind!r}")

    @property
    def supported(self) -> bool:
        return all(s.check.supported for s in self.sentences)

    def timing(self, stage: str) -> float | None:
        for t in self.timings:
            if t.stage == stage:
                return t.ms
        return None

    def to_dict(self) -> dict[str, Any]:
        out = to_jsonable(self)
        assert isinstance(out, dict)  # a dataclass always becomes a dict
        return out


@dataclass(frozen=True)
class IndexStatus:
    articles: int
    chunks: int
    embedding_model: str
    location: str
    last_indexed: dt.datetime | None
    article_titles: tuple[tuple[str, str], ...] = field(default=())  # (article id, title)


def to_jsonable(value: Any) -> Any:
    """Dataclasses, tuples, dates -> plain JSON types (for --json output and the UI API)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, Answer):
            out["supported"] = value.supported
        return out
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class SearchFilter:
    """Restricts retrieval; every field is optional and fields combine with AND."""

    article_ids: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # outlet names or source-path substrings, case-insensitive
    title_words: tuple[str, ...] = ()  # every word must occur in the title, case-insensitive
    date_from: dt.date | None = None  # inclusive; articles without a date are excluded when set
    date_to: dt.date | None = None

    @property
    def empty(self) -> bool:
        return not (self.article_ids or self.sources or self.title_words or self.date_from or self.date_to)


@dataclass(frozen=True)
class AskOptions:
    """Per-question choices from the UI or CLI; None means "use the settings"."""

    top_k: int | None = None
    answerer: str | None = None  # "offline" or "llm"
    strict: bool | None = None
    filter: SearchFilter = SearchFilter()


@dataclass(frozen=True)
class FileProblem:
    """A file (or record) that could not be indexed, and why, in user terms."""

    path: str
    message: str


@dataclass(frozen=True)
class StageTime:
    """Wall seconds an indexing run spent in one stage ("load", "chunk", "embed", "chroma", ...)."""

    stage: str
    seconds: float


@dataclass(frozen=True)
class IndexReport:
    added: int
    updated: int
    unchanged: int
    removed: int
    chunks_total: int
    chunks_embedded: int
    seconds: float
    problems: tuple[FileProblem, ...] = ()
    stages: tuple[StageTime, ...] = ()  # where the time went, in pipeline order
