"""Chat bubbles for the jobs besides answering: lists of articles, summaries, greetings, small talk.

`job_html` is called by `ui.render.answer_html` for an Answer whose `kind` is "collection",
"summary", "greeting" or "smalltalk". Lists (a collection, or a summary quoting several
articles) are one item per quoted sentence: the article's title, its outlet and date, and
the sentence with its citation marker, which the Sources panel resolves exactly as for an
answer (same cards, same highlighting). A one-article summary is a heading and a paragraph.
A greeting lists its suggestions.

Same rules as `ui/render.py`: everything untrusted is escaped; only markup written here appears.
A sentence is drawn by the `SentenceHtml` that `ui/render.py` passes in (markers linked,
unsupported ones flagged), so both bubbles draw sentences the same way and this module
needs nothing from that one.

Deliberately left out: Gradio, and the Sources panel (unchanged: it renders citations).
"""

from __future__ import annotations

from collections.abc import Callable

from newsrag.types import Answer, AnswerSentence, Citation
from ui.escape import esc

JOB_KINDS = ("collection", "summary", "greeting", "smalltalk")

SentenceHtml = Callable[[AnswerSentence], str]  # one answer sentence as escaped HTML


def _byline(citation: Citation) -> str:
    parts = [citation.source, citation.published.isoformat() if citation.published else None]
    return " · ".join(esc(p) for p in parts if p)


def _is_list(answer: Answer) -> bool:
    articles = {c.article_id for c in answer.citations}
    return answer.kind == "collection" or (answer.kind == "summary" and len(articles) > 1)


def _item(sentence: AnswerSentence, citations: dict[int, Citation], sentence_html: SentenceHtml) -> str:
    cited = citations.get(sentence.citations[0]) if sentence.citations else None
    head = ""
    if cited is not None:
        meta = _byline(cited)
        head = (f'<div class="nr-item-head"><span class="nr-item-title">{esc(cited.title)}</span>'
                + (f' <span class="nr-meta">{meta}</span>' if meta else "") + "</div>")
    return f'<li class="nr-item">{head}<div class="nr-item-quote">{sentence_html(sentence)}</div></li>'


def job_html(answer: Answer, sentence_html: SentenceHtml) -> str:
    """The body of the bubble (the caller adds the notes)."""
    kind = esc(answer.kind)
    if answer.kind in ("greeting", "smalltalk"):
        lines = answer.text.split("\n")
        text = lines[0] if answer.suggestions else answer.text
        items = "".join(f'<li class="nr-suggestion">{esc(s)}</li>' for s in answer.suggestions)
        return (f'<div class="nr-answer nr-kind-{kind}"><span class="nr-text">{esc(text)}</span>'
                + (f'<ul class="nr-suggestions">{items}</ul>' if items else "") + "</div>")
    heading = f'<div class="nr-heading">{esc(answer.heading)}</div>' if answer.heading else ""
    if _is_list(answer):
        by_number = {c.number: c for c in answer.citations}
        items = "".join(_item(s, by_number, sentence_html) for s in answer.sentences)
        return f'<div class="nr-answer nr-kind-{kind}">{heading}<ol class="nr-list">{items}</ol></div>'
    body = " ".join(sentence_html(s) for s in answer.sentences)
    return f'<div class="nr-answer nr-kind-{kind}">{heading}<div class="nr-summary">{body}</div></div>'
