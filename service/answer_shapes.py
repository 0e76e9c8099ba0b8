"""An Answer's citations and facts as the JSON both protocols return (OpenAI's `citations`, MCP's structured content).

One shape for both, so a client of either reads the same fields: per citation its number
(the `[n]` in the text), title, outlet, publication date, file, the quoted sentence,
whether the support checker found every sentence citing it supported, its resolved dates
and the other copies of the story; per answer its kind (answer, refusal, greeting,
collection, summary...), the standalone query searched, the short answer, the sources
that disagree and the notes.

Deliberately left out: the passages and timings of `newsrag.types.Answer` (the web page's
and `newsrag ask --json`'s business; a chat client shows the answer and its sources), and
the passage text around each quote (the quote is what the answer rests on).
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath

from pydantic import BaseModel, ConfigDict

from newsrag.types import Answer, AnswerKind, Citation, DisagreementKind, Republication


class _Shape(BaseModel):
    model_config = ConfigDict(frozen=True)


class ResolvedDate(_Shape):
    phrase: str  # as the quote says it: "Saturday", "September 16, 2023"
    resolved: str  # 2023-09-16, 2023-09, 2023 or "week of 2023-09-11"
    relative: bool  # resolved against the article's publication date


class StoryCopy(_Shape):
    """Another copy of a cited story (republished by another outlet, a wire copy, an update)."""

    article_id: str
    title: str
    outlet: str | None
    date: dt.date | None
    file: str


class CitationShape(_Shape):
    number: int  # the [n] in the answer text
    article_id: str
    title: str
    outlet: str | None
    date: dt.date | None  # the article's publication date, when it states one
    file: str  # the file name the article was read from
    quote: str  # the cited sentence(s), verbatim from the article
    # Whether every answer sentence citing it passed the support check; None when no answer
    # sentence cites it (the other side of a disagreement, appended for reference).
    supported: bool | None
    dates: list[ResolvedDate]
    also_in: list[StoryCopy]


class DisagreementSideShape(_Shape):
    citation: int
    label: str  # "claim", "denial", "figure", "denies a reported claim"


class DisagreementShape(_Shape):
    kind: DisagreementKind
    sides: list[DisagreementSideShape]
    method: str
    probability: float | None


class AnswerFacts(_Shape):
    """What a client may want besides the text and citations, to act on the answer."""

    kind: AnswerKind  # which job was done; "refusal" when the articles do not say
    refused: bool
    supported: bool  # every sentence passed the support check
    query: str  # the standalone query searched (a follow-up rewritten with its conversation)
    short: str | None  # "September 19"-style short answer for factoid questions
    disagreements: list[DisagreementShape]
    notes: list[str]


def file_name(path: str) -> str:
    """The file an article was read from, without its folders (the server's layout is not the client's business)."""
    return PurePath(path).name


def story_copy(r: Republication) -> StoryCopy:
    return StoryCopy(article_id=r.article_id, title=r.title, outlet=r.source, date=r.published,
                     file=file_name(r.source_path))


def citation_shape(c: Citation, supported: bool | None) -> CitationShape:
    return CitationShape(
        number=c.number, article_id=c.article_id, title=c.title, outlet=c.source, date=c.published,
        file=file_name(c.source_path), quote=c.quote, supported=supported,
        dates=[ResolvedDate(phrase=m.phrase, resolved=m.label, relative=m.relative) for m in c.dates],
        also_in=[story_copy(r) for r in c.also_in],
    )


def citation_supported(answer: Answer, number: int) -> bool | None:
    """Whether every sentence citing `number` is supported; None when none cites it."""
    checks = [s.check.supported for s in answer.sentences if number in s.citations]
    return all(checks) if checks else None


def citations_of(answer: Answer) -> list[CitationShape]:
    return [citation_shape(c, citation_supported(answer, c.number)) for c in answer.citations]


def facts_of(answer: Answer) -> AnswerFacts:
    kind: AnswerKind = answer.kind or ("refusal" if answer.refused else "answer")  # Answer fills it; for mypy
    return AnswerFacts(
        kind=kind, refused=answer.refused, supported=answer.supported, query=answer.query, short=answer.short,
        disagreements=[
            DisagreementShape(kind=d.kind, method=d.method, probability=d.probability,
                              sides=[DisagreementSideShape(citation=s.citation, label=s.label) for s in d.sides])
            for d in answer.disagreements
        ],
        notes=list(answer.notes),
    )
