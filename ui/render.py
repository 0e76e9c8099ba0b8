"""Pure functions that turn answers, citations, articles and index facts into safe HTML.

Everything that comes from an article, a file name or a question is untrusted: it passes
through `html.escape` before it is put into the HTML built here, and the only markup in
the result is the markup written in this module (span, mark, details, table ...).
The chat shows this HTML with markdown rendering off, so `*`, `#` or `[x](y)` in an
article stay literal text too.

Deliberately left out: Gradio. These functions take frozen values and return strings,
so they are tested without a server or a browser.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Sequence
from pathlib import PurePath

from newsrag.types import (
    Answer,
    AnswerSentence,
    Article,
    Citation,
    Passage,
)
from ui.escape import esc
from ui.render_jobs import JOB_KINDS, job_html
from ui.render_research import also_in_html, dates_html, disagreement_html

MARKER = re.compile(r"\[(\d{1,3})\]")

ArticleLookup = Callable[[str], Article | None]


def file_label(source_path: str) -> str:
    """The file name only: full server paths are noise to a reader."""
    return PurePath(source_path).name or source_path


def byline(title_source: str | None, dateline: str | None, published: dt.date | None) -> str:
    """'Outlet · DATELINE · 2014-10-20' with missing parts left out (escaped)."""
    parts = [p for p in (title_source, dateline, published.isoformat() if published else None) if p]
    return " · ".join(esc(p) for p in parts)


# --------------------------------------------------------------------------- chat


def question_html(question: str) -> str:
    return f'<span class="nr-text">{esc(question)}</span>'


def streaming_html(partial_text: str) -> str:
    """Text deltas as they arrive: escaped, with a cursor; markers not yet linked."""
    return f'<span class="nr-text nr-streaming">{esc(partial_text)}<span class="nr-cursor">▍</span></span>'


def _markers_html(escaped_text: str, citations: Sequence[Citation]) -> str:
    titles = {c.number: c.title for c in citations}

    def link(match: re.Match[str]) -> str:
        number = int(match.group(1))
        title = titles.get(number)
        tip = f' title="{esc(f"[{number}] {title}")}"' if title else ""
        return f'<span class="nr-cite" data-cite="{number}"{tip}>[{number}]</span>'

    return MARKER.sub(link, escaped_text)


def _unsupported_tip(sentence: AnswerSentence) -> str:
    reasons = "; ".join(sentence.check.reasons) or "the cited passages do not clearly say this"
    return f"Not supported by its citations ({sentence.check.method}): {reasons}"


_RESOLVED = re.compile(r"^(?P<span>.+) \((?P<date>\d{4}(?:-\d{2}){0,2}|week of \d{4}-\d{2}-\d{2})\)$")


def _short_in(sentence: str, short: str | None) -> str | None:
    """The short answer's span as the sentence has it: a "when" answer's span without the
    absolute date rag/research/provenance.py added ("Tuesday (2019-06-04)" -> "Tuesday")."""
    if not short:
        return None
    if short in sentence:
        return short
    resolved = _RESOLVED.match(short)
    return resolved.group("span") if resolved and resolved.group("span") in sentence else None


def _bold_short(escaped_text: str, short: str | None) -> str:
    """The short answer in bold, at its first place in the sentence; a resolved date after it."""
    if not short:
        return escaped_text
    resolved = _RESOLVED.match(short)
    span = short if short in html.unescape(escaped_text) or not resolved else resolved.group("span")
    target = esc(span)
    at = escaped_text.find(target)
    if at < 0:
        return escaped_text
    date = (f' <span class="nr-resolved">({esc(resolved.group("date"))})</span>'
            if resolved and span != short else "")
    return (f'{escaped_text[:at]}<strong class="nr-short">{target}</strong>{date}'
            f'{escaped_text[at + len(target):]}')


def sentence_html(sentence: AnswerSentence, citations: Sequence[Citation], short: str | None = None) -> str:
    body = _markers_html(_bold_short(esc(sentence.text), short), citations)
    if sentence.check.supported:
        return f'<span class="nr-sentence">{body}</span>'
    tip = esc(_unsupported_tip(sentence))
    return (
        f'<span class="nr-sentence nr-unsupported" title="{tip}">'
        f'<span class="nr-warn" aria-label="unsupported">⚠</span> {body}</span>'
    )


def answer_html(answer: Answer) -> str:
    """The assistant's chat bubble for a finished answer."""
    if answer.refused:
        body = (
            '<div class="nr-refusal" role="note">'
            '<span class="nr-refusal-icon" aria-hidden="true">∅</span> '
            f'<span class="nr-text">{esc(answer.text)}</span>'
            + ('<div class="nr-refusal-hint">The closest passages are in the Sources panel.</div>'
               if answer.passages else "")
            + "</div>"
        )
    elif answer.kind in JOB_KINDS:
        body = job_html(answer, lambda s: sentence_html(s, answer.citations))
    elif answer.sentences:
        short_in = next((i for i, s in enumerate(answer.sentences) if _short_in(s.text, answer.short)), None)
        body = '<div class="nr-answer">' + " ".join(
            sentence_html(s, answer.citations, answer.short if i == short_in else None)
            for i, s in enumerate(answer.sentences)
        ) + "</div>"
    else:
        body = f'<div class="nr-answer">{_markers_html(esc(answer.text), answer.citations)}</div>'
    body += disagreement_html(answer)
    unsupported = sum(1 for s in answer.sentences if not s.check.supported)
    notes = list(answer.notes)
    if unsupported and not answer.refused:
        notes.append(
            f"{unsupported} sentence{'s' if unsupported != 1 else ''} marked ⚠ "
            "could not be verified against the cited passages."
        )
    if notes:
        body += "".join(f'<div class="nr-note">{esc(n)}</div>' for n in notes)
    return body


def error_html(message: str) -> str:
    return f'<div class="nr-error" role="alert">{esc(message)}</div>'


# --------------------------------------------------------------------------- sources


def _quote_span(text: str, quote: str, start: int | None = None, end: int | None = None) -> tuple[int, int] | None:
    """Where `quote` sits in `text`: the given offsets when they match, else a search."""
    if start is not None and end is not None and 0 <= start < end <= len(text) and text[start:end] == quote:
        return start, end
    if not quote:
        return None
    found = text.find(quote)
    if found >= 0:
        return found, found + len(quote)
    stripped = quote.strip()
    found = text.find(stripped) if stripped else -1
    return (found, found + len(stripped)) if found >= 0 else None


def highlighted(text: str, span: tuple[int, int] | None, mark_class: str = "nr-quote") -> str:
    """Escaped `text` with `span` wrapped in <mark>."""
    if span is None:
        return esc(text)
    s, e = span
    return f'{esc(text[:s])}<mark class="{mark_class}">{esc(text[s:e])}</mark>{esc(text[e:])}'


def article_html(article: Article, citation: Citation | None = None) -> str:
    """The whole cleaned article, the cited sentence highlighted in place."""
    span = _quote_span(article.text, citation.quote, citation.start, citation.end) if citation else None
    return f'<div class="nr-article">{highlighted(article.text, span)}</div>'


def citation_card(citation: Citation, article: Article | None) -> str:
    span = _quote_span(citation.passage, citation.quote)
    passage = highlighted(citation.passage, span)
    if span is None:  # the quote is not verbatim in the passage: show it on its own
        passage += f'<div class="nr-quote-alone"><mark class="nr-quote">{esc(citation.quote)}</mark></div>'
    meta = byline(citation.source, citation.dateline, citation.published)
    whole = ""
    if article is not None:
        whole = (
            '<details class="nr-whole"><summary>Open the whole article</summary>'
            f"{article_html(article, citation)}</details>"
        )
    return (
        f'<div class="nr-card" id="nr-src-{citation.number}" data-cite="{citation.number}">'
        f'<div class="nr-card-head"><span class="nr-num">[{citation.number}]</span> '
        f'<span class="nr-title">{esc(citation.title)}</span></div>'
        + (f'<div class="nr-meta">{meta}</div>' if meta else "")
        + f'<div class="nr-file">{esc(file_label(citation.source_path))}</div>'
        f'<div class="nr-passage">{passage}</div>{dates_html(citation)}{also_in_html(citation.also_in)}{whole}</div>'
    )


def passage_card(passage: Passage) -> str:
    chunk = passage.chunk
    meta = byline(chunk.source, chunk.dateline, chunk.published)
    return (
        f'<div class="nr-card nr-closest"><div class="nr-card-head"><span class="nr-num">#{passage.rank}</span> '
        f'<span class="nr-title">{esc(chunk.title)}</span>'
        f'<span class="nr-score">score {passage.score:.3f}</span></div>'
        + (f'<div class="nr-meta">{meta}</div>' if meta else "")
        + f'<div class="nr-file">{esc(file_label(chunk.source_path))}</div>'
        f'<div class="nr-passage">{esc(snippet(chunk.text, 280))}</div>'
        + (
            '<details class="nr-whole"><summary>Show the whole passage</summary>'
            f'<div class="nr-article">{esc(chunk.text)}</div></details>'
            if len(" ".join(chunk.text.split())) > 280
            else ""
        )
        + "</div>"
    )


def _checks_html(answer: Answer) -> str:
    failed = [s for s in answer.sentences if not s.check.supported]
    if not failed:
        return ""
    items = "".join(
        f'<li><div class="nr-check-sentence">⚠ {esc(s.text)}</div>'
        + "".join(f'<div class="nr-reason">{esc(r)}</div>' for r in s.check.reasons)
        + f'<div class="nr-reason nr-method">check: {esc(s.check.method)}, score {s.check.score:.2f}</div></li>'
        for s in failed
    )
    return (
        '<div class="nr-checks"><div class="nr-section">Not supported by the cited passages</div>'
        f"<ul>{items}</ul></div>"
    )


def sources_html(answer: Answer | None, article: ArticleLookup) -> str:
    """The sources panel for the latest answer."""
    if answer is None:
        return '<div class="nr-empty">Sources for the latest answer appear here.</div>'
    if answer.refused:
        if not answer.passages:
            return '<div class="nr-empty">No passage in the index came close to this question.</div>'
        closest = "".join(passage_card(p) for p in answer.passages)
        return (
            '<div class="nr-sources nr-sources-refused"><div class="nr-section">'
            "Not answered: the closest passages found</div>"
            f"{closest}</div>"
        )
    if not answer.citations and answer.kind in ("greeting", "smalltalk"):
        return '<div class="nr-empty">Sources appear here when an answer quotes the articles.</div>'
    if not answer.citations:
        return '<div class="nr-empty">This answer cites no passage.</div>'
    articles: dict[str, Article | None] = {}
    cards: list[str] = []
    for citation in answer.citations:
        if citation.article_id not in articles:
            articles[citation.article_id] = article(citation.article_id)
        cards.append(citation_card(citation, articles[citation.article_id]))
    return (
        f'<div class="nr-sources">{_checks_html(answer)}'
        f'<div class="nr-section">Sources</div>{"".join(cards)}</div>'
    )


def snippet(text: str, limit: int = 220) -> str:
    """Whitespace collapsed and cut at `limit` characters (not escaped)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
