"""What a job hands the assistant: a heading, quoted sentences, their passages, who wrote them.

A collection list, a summary, a greeting or a small-talk reply is drafted into a `JobDraft`:
the sentences it quotes (a `newsrag.types.Draft` with exact evidence spans, so the assistant
numbers citations and runs the support checker on every one, like any answer), the
chunks they come from as `Passage`s (listed, not retrieved: score 1.0, rank in order of
first use), and the words around them that are not claims from an article (a heading
built from the index's own counts, a reply, suggestions), which are not cited.

`answer_text` then writes the plain text of the finished Answer: the heading, then one
line per quoted sentence with its article ("list" layout) or the sentences as a paragraph
("prose").

A question's answer is a `JobDraft` too (kind "answer", prose, no heading), so that one
path (`rag/answer_assembly.py`) turns every draft into an Answer. `Drafted` adds who wrote
it and, for an LLM's draft, the offline one to fall back on.

Deliberately left out: choosing what to quote (`rag/jobs/collection_answers.py`, `rag/jobs/extractive_summary.py`,
`rag/jobs/small_talk.py`) and checking it (`rag/answer_assembly.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from newsrag.text import Span
from newsrag.types import AnswerKind, AnswerSentence, Citation, Draft, DraftSentence, Evidence, Passage
from rag.jobs.catalog import CatalogArticle

# How quoted sentences are laid out: one line per sentence with its article, or a paragraph.
Layout = Literal["list", "prose"]
LIST: Layout = "list"
PROSE: Layout = "prose"
OFFLINE_ANSWERER = "offline"


@dataclass(frozen=True)
class JobDraft:
    kind: AnswerKind  # the Answer.kind it becomes ("answer" for a question's, "summary", "refusal", ...)
    draft: Draft  # the quoted sentences; refused (and empty) when there is nothing to quote
    passages: tuple[Passage, ...] = ()
    heading: str | None = None  # the line above the sentences, from the index's own facts
    layout: Layout = PROSE
    reply: str | None = None  # the whole text when nothing is quoted (greeting, small talk, refusal)
    suggestions: tuple[str, ...] = ()  # example requests offered with a greeting


@dataclass(frozen=True)
class Drafted:
    """A draft and who wrote it, before its citations are numbered and checked."""

    reply: JobDraft
    answerer: str  # OFFLINE_ANSWERER or the LLM's name
    # The offline draft to fall back on when an LLM's draft keeps no sentence: built only then.
    offline: Callable[[], JobDraft] | None = None
    notes: tuple[str, ...] = ()  # what happened while drafting (an LLM failure, a kept fallback)


def reply(kind: AnswerKind, text: str, suggestions: Sequence[str] = ()) -> JobDraft:
    return JobDraft(kind, Draft((), False), reply=text, suggestions=tuple(suggestions))


def refusal(text: str, notes: Sequence[str] = ()) -> JobDraft:
    return JobDraft("refusal", Draft((), True, tuple(notes)), reply=text)


def quote(kind: AnswerKind, heading: str, items: Sequence[tuple[CatalogArticle, Span]], layout: Layout,
          notes: Sequence[str] = ()) -> JobDraft:
    """Quote each (article, sentence span), citing the chunk that holds it."""
    passages: list[Passage] = []
    numbers: dict[str, int] = {}
    sentences: list[DraftSentence] = []
    for entry, span in items:
        chunk = entry.chunk_for(span)
        if chunk is None:
            continue  # an article without chunks cannot be cited; it is left out rather than quoted bare
        if chunk.id not in numbers:
            passages.append(Passage(chunk=chunk, score=1.0, rank=len(passages) + 1))
            numbers[chunk.id] = len(passages)
        n = numbers[chunk.id]
        start, end = max(span.start, chunk.start), min(span.end, chunk.end)
        sentences.append(DraftSentence(entry.article.text[start:end], (n,), (Evidence(n, start, end),)))
    if not sentences:
        return refusal("I could not quote any sentence for this from the indexed articles.")
    return JobDraft(kind, Draft(tuple(sentences), False, tuple(notes)), tuple(passages), heading, layout)


def byline(citation: Citation) -> str:
    """"Outlet, 2014-10-20" with the missing parts left out."""
    parts = [citation.source, citation.published.isoformat() if citation.published else None]
    return ", ".join(p for p in parts if p)


def answer_text(job: JobDraft, sentences: Sequence[AnswerSentence], citations: Sequence[Citation]) -> str:
    """The plain text of the finished answer (what the CLI prints and a conversation remembers)."""
    if job.reply is not None:
        lines = [job.reply, *(f"- {s}" for s in job.suggestions)]
        return "\n".join(lines)
    head = [job.heading] if job.heading else []
    if job.layout == PROSE:
        return "\n".join([*head, " ".join(s.text for s in sentences)])
    by_number = {c.number: c for c in citations}
    lines = []
    for i, s in enumerate(sentences, 1):
        cited = by_number.get(s.citations[0]) if s.citations else None
        if cited is None:
            lines.append(f"{i}. {s.text}")
            continue
        meta = byline(cited)
        lines.append(f"{i}. {cited.title}" + (f" ({meta})" if meta else "") + f" — {s.text}")
    return "\n".join([*head, *lines])
