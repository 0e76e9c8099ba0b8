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
from typing import Any, Literal, get_args

import numpy as np

# How retrieval searches: dense and BM25 fused by reciprocal rank, or one side alone.
RetrievalMode = Literal["hybrid", "dense", "bm25"]


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
    # Where `published` was read (DATE_ORIGINS); None exactly when `published` is None.
    published_origin: str | None = None


@dataclass(frozen=True)
class ArticleFacet:
    """What filters and the collection jobs know of an article without reading its text."""

    id: str
    title: str
    source: str | None  # outlet
    source_path: str  # the first file it was found in
    published: dt.date | None
    url: str | None = None


# Where an article's publication date was found. Nothing else sets it: a file that gives
# no date in one of these places has none, and no date is guessed from its text.
DATE_ORIGINS = (
    "html-metadata",  # <meta>/JSON-LD/<time> of an HTML page, as trafilatura extracts it
    "json-field",  # the "published" field of a JSON/JSONL record
    "front-matter",  # "date:" or "published:" in Markdown front matter
    "dateline",  # a dated dateline or byline line at the top of a plain-text story
    "pdf-metadata",  # a PDF's document information or XMP creation date
    "docx-properties",  # a Word file's core properties (created, else last modified)
    "email-header",  # the Date: header of a saved e-mail (and of its attachments)
    "feed-item",  # an RSS/Atom item's published (else updated) date
    "warc-capture",  # when a web archive captured the page, for a page that states no date
)


DATE_GRANULARITIES = ("day", "week", "month", "year")


@dataclass(frozen=True)
class DateMention:
    """A date expression in an article's text and the calendar period it stands for.

    Found and resolved by `index/dates.py` at index time. A relative expression ("on
    Saturday", "last week") is resolved against `Article.published` and is only recorded
    when the article has a date; a written-out date ("September 16, 2023") is recorded
    either way.
    """

    article_id: str
    start: int  # offsets of the expression in Article.text
    end: int
    text: str  # == article.text[start:end], e.g. "on Saturday"
    value: dt.date  # the period's first day (a Monday for a week, the 1st for a month)
    granularity: str  # one of DATE_GRANULARITIES
    relative: bool  # resolved against the publication date (True) or written out (False)

    @property
    def label(self) -> str:
        """The resolved date as shown beside a sentence: 2023-09-16, 2023-09, 2023 or week of 2023-09-11."""
        if self.granularity == "year":
            return f"{self.value.year}"
        if self.granularity == "month":
            return f"{self.value.year}-{self.value.month:02d}"
        if self.granularity == "week":
            return f"week of {self.value.isoformat()}"
        return self.value.isoformat()

    @property
    def phrase(self) -> str:
        """The expression without a leading preposition, for "Saturday = 2023-09-16"."""
        from newsrag.vocab import vocabulary

        head, _, rest = self.text.partition(" ")
        return rest if rest and head.lower() in vocabulary("date_prepositions") else self.text


@dataclass(frozen=True)
class DuplicateGroup:
    """Articles that are one story republished with small edits (another outlet, a wire copy, an update).

    Found by `index/duplicates.py` (MinHash/LSH) at index time and stored in the manifest.
    The first id is the group's representative: the copy answers cite.
    """

    article_ids: tuple[str, ...]  # at least two; representative first, then the others by id
    similarity: float  # the lowest estimated Jaccard similarity between a member and the representative


@dataclass(frozen=True)
class Republication:
    """Another copy of a cited story: what "also in: ..." shows."""

    article_id: str
    title: str
    source_path: str
    source: str | None = None
    published: dt.date | None = None


@dataclass(frozen=True)
class Statement:
    """A sentence handed to a conflict detector: its text, its article and its stored vector."""

    text: str
    article_id: str
    vector: np.ndarray | None = field(default=None, compare=False)  # unit vector from the index, when known


# A conflict between two sentences: one asserts and the other denies, or they give different
# numbers or dates for one slot.
ConflictKind = Literal["denial", "figure"]
CONFLICT_KINDS: tuple[ConflictKind, ...] = get_args(ConflictKind)
# A Disagreement is a conflict between two sentences (CONFLICT_KINDS), or "disputed": cited
# sentences that report a claim together with its denial ("dismissed the claims that ...").
DisagreementKind = Literal["denial", "figure", "disputed"]
DISAGREEMENT_KINDS: tuple[DisagreementKind, ...] = get_args(DisagreementKind)


@dataclass(frozen=True)
class Conflict:
    """Two statements about the same thing that cannot both be right, as a detector sees them."""

    kind: ConflictKind
    probability: float  # the detector's probability that the pair disagrees
    method: str  # "rules" (fitted features, no model) or "nli" (a configured NLI cross-encoder)


@dataclass(frozen=True)
class DisagreementSide:
    citation: int  # 1-based number into Answer.citations
    label: str  # "claim", "denial", "figure", or "denies a reported claim": what this side says, as shown


@dataclass(frozen=True)
class Disagreement:
    """Retrieved sources that disagree about what the question asks: every side, each cited.

    Two sides for a conflict between two sentences (a claim and its denial, two figures); one
    side per cited sentence for "disputed", where each sentence itself reports the claim and
    the denial.
    """

    kind: DisagreementKind
    sides: tuple[DisagreementSide, ...]
    probability: float | None  # the detector's probability; None for "disputed" (read off the sentence)
    method: str  # "rules", "nli", or "reported-denial"


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
    dates: tuple[DateMention, ...] = ()  # date expressions inside `quote`, resolved
    also_in: tuple[Republication, ...] = ()  # other copies of the same story (near-duplicates)


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
    stage: str  # "condense", "embed", "retrieve", "answer", "check", "disagree", "total"
    ms: float


@dataclass(frozen=True)
class Turn:
    """One finished exchange in a conversation."""

    question: str
    answer: str


# ---------------------------------------------------------------- what an answerer drafts
# An answerer (offline extractive, or an LLM) sees the question and a numbered list of
# passages and returns a `Draft`: sentences, each with the 1-based passage numbers it cites
# and, when the answerer knows it, the exact evidence span inside the article. The read side
# then numbers citations by evidence span, checks every sentence against what it cites and
# applies strict mode (rag/checking/cite_and_check.py). Markers like "[2]" are never in a Draft.


@dataclass(frozen=True)
class Evidence:
    """An exact span of the cleaned article that one cited passage contributes."""

    passage_number: int  # 1-based into the passages given to the answerer
    start: int  # article offsets, inside that passage's chunk
    end: int


@dataclass(frozen=True)
class DraftSentence:
    text: str  # the sentence without citation markers
    cites: tuple[int, ...]  # 1-based passage numbers, already bounds-checked
    evidence: tuple[Evidence, ...] = ()  # empty when the answerer cannot say (LLMs)


@dataclass(frozen=True)
class Draft:
    sentences: tuple[DraftSentence, ...]
    refused: bool
    notes: tuple[str, ...] = ()  # e.g. "dropped citation [9]: only 6 passages"
    short: str | None = None  # the date, number, name or place that answers, a span of a sentence
    confidence: float | None = None  # the offline answerer's probability for its best sentence


# Which job an Answer did: a question answered, a refusal (nothing found), a greeting, small
# talk, a list of articles from the collection, or a summary.
AnswerKind = Literal["answer", "refusal", "greeting", "smalltalk", "collection", "summary"]
ANSWER_KINDS: tuple[AnswerKind, ...] = get_args(AnswerKind)


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
    # For factoid questions: the span of the first cited sentence that answers, with its absolute
    # date in parentheses when the span is a relative date ("Tuesday (2019-06-04)").
    short: str | None = None
    confidence: float | None = None  # offline answerer: fitted probability that its best sentence answers
    # Which job was done (ANSWER_KINDS): "answer" (a question answered), "refusal" (nothing found:
    # `refused` is then True), "greeting", "smalltalk", "collection" (a list of articles) or "summary".
    # Left empty, it follows `refused`.
    kind: AnswerKind | Literal[""] = ""
    heading: str | None = None  # a list's or summary's first line, from the index's own facts (not cited)
    suggestions: tuple[str, ...] = ()  # example requests offered with a greeting
    disagreements: tuple[Disagreement, ...] = ()  # retrieved sources that contradict each other

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
class TimelineEntry:
    """One dated sentence of an article, for the timeline: when, what, and where it was said."""

    date: DateMention  # the expression inside `sentence` and the date it resolves to
    sentence: str  # == article.text[start:end]
    start: int
    end: int
    article_id: str
    title: str
    source_path: str
    source: str | None = None
    published: dt.date | None = None
    url: str | None = None
    also_in: tuple[Republication, ...] = ()  # copies of the story left out of the timeline


@dataclass(frozen=True)
class Timeline:
    """The dated sentences of the articles that match a query, in date order."""

    query: str
    entries: tuple[TimelineEntry, ...]
    articles: int  # how many matching articles were read
    undated_articles: int  # of those, how many have no publication date (their relative dates are unknown)
    truncated: bool = False  # more entries than the timeline shows


@dataclass(frozen=True)
class IndexStatus:
    articles: int
    chunks: int
    embedding_model: str
    location: str
    last_indexed: dt.datetime | None
    # (article id, title) of the articles a status lists: all of a small index, the first few hundred
    # by title of an archive (`articles` is the count)
    article_titles: tuple[tuple[str, str], ...] = field(default=())
    duplicate_groups: tuple[DuplicateGroup, ...] = ()  # the groups a status lists, in the index's order
    dated_articles: int = 0  # articles with a publication date
    duplicate_group_count: int | None = None  # every group in the index; None: all are listed
    group_titles: tuple[tuple[str, str], ...] = ()  # (article id, title) of the listed groups' members


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
class FileLimits:
    """How large an article file may be (NEWSRAG_MAX_FILE_MB), and a web archive, which holds
    many pages and is streamed (NEWSRAG_MAX_ARCHIVE_MB; each page inside is bounded by the first)."""

    max_file_bytes: int
    max_archive_bytes: int

    @classmethod
    def uniform(cls, max_bytes: int) -> FileLimits:
        """One bound for every file, archives included (tests, scripts)."""
        return cls(max_bytes, max_bytes)


@dataclass(frozen=True)
class FormatCount:
    """One file format's share of an indexing run: files found, files that gave articles, articles."""

    format: str  # the format's name, e.g. "PDF"
    files: int
    files_read: int
    articles: int


@dataclass(frozen=True)
class FileMessage:
    """What the user should know about one file (or record), in user terms: why it could not be
    indexed (a run's `problems`), or a remark on one that was (its `notes`: the legacy encoding
    it was read in, ...)."""

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
    problems: tuple[FileMessage, ...] = ()
    stages: tuple[StageTime, ...] = ()  # where the time went, in pipeline order
    notes: tuple[FileMessage, ...] = ()  # files indexed with a remark (decoded from Windows-1252, ...)
    formats: tuple[FormatCount, ...] = ()  # per file format, in FORMATS order, those with files only
    ran_on: str = "1 process"  # where loading and embedding ran: "1 process", "ray: 2 workers"
