"""HTML for what a news researcher needs beyond one answer: resolved dates, republished
copies, sources that disagree, and the timeline tab.

Pure functions over frozen values, like ui/render.py: every string from an article or a
question is escaped here, and the only markup is written here.

Deliberately left out: finding any of it (index/dates.py, index/duplicates.py,
rag/research/conflict_rules.py, rag/research/timeline.py) and Gradio.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from newsrag.types import Answer, Article, Citation, Republication, Timeline, TimelineEntry
from ui.escape import esc

ArticleLookup = Callable[[str], Article | None]


def dates_html(citation: Citation) -> str:
    """"Saturday = 2023-09-16" for each relative date in the cited sentence."""
    dated = [m for m in citation.dates if m.relative]
    if not dated:
        return ""
    items = "".join(f'<span class="nr-date" data-date="{m.value.isoformat()}" title="counted from the article\'s '
                    f'publication date">{esc(m.phrase)} = {esc(m.label)}</span>' for m in dated)
    return f'<div class="nr-dates">{items}</div>'


def _copy(r: Republication) -> str:
    parts = [r.title] + [x for x in (r.source, r.published.isoformat() if r.published else None) if x]
    return f'<li>{esc(", ".join(parts))} <span class="nr-file">{esc(PurePath(r.source_path).name)}</span></li>'


def also_in_html(copies: tuple[Republication, ...]) -> str:
    """The other copies of a republished story, listed once instead of repeated as sources."""
    if not copies:
        return ""
    return (f'<div class="nr-also-in"><span class="nr-also-label">Also in:</span>'
            f'<ul>{"".join(_copy(r) for r in copies)}</ul></div>')


_HEADINGS = {"figure": "Sources give different figures",
             "disputed": "Disputed: the sources report a claim and a denial of it"}


def disagreement_html(answer: Answer) -> str:
    """A labelled box per pair of sources that contradict each other, both sides cited."""
    if not answer.disagreements:
        return ""
    by_number = {c.number: c for c in answer.citations}
    boxes = []
    for d in answer.disagreements:
        heading = _HEADINGS.get(d.kind, "Sources disagree")
        sides = []
        for side in d.sides:
            c = by_number.get(side.citation)
            if c is None:
                continue
            who = ", ".join(x for x in (c.source, c.published.isoformat() if c.published else None) if x) or c.title
            sides.append(
                f'<li class="nr-side nr-side-{esc(side.label)}"><span class="nr-side-label">{esc(side.label)}</span> '
                f'<span class="nr-cite" data-cite="{c.number}">[{c.number}]</span> '
                f'“{esc(c.quote)}” <span class="nr-who">— {esc(who)}</span></li>'
            )
        boxes.append(
            f'<div class="nr-disagree" role="note" data-kind="{esc(d.kind)}"><div class="nr-disagree-head">⚖ {heading}'
            f'</div><ul>{"".join(sides)}</ul><div class="nr-reason">Quoted as published; check which is right. '
            f"Found by {esc(d.method)}" + (f" (p = {d.probability:.2f})" if d.probability is not None else "")
            + ".</div></div>"
        )
    return "".join(boxes)


def _entry(e: TimelineEntry, article: Article | None) -> str:
    sentence = e.sentence
    s, t = e.date.start - e.start, e.date.end - e.start
    marked = (f"{esc(sentence[:s])}<mark class=\"nr-quote\">{esc(sentence[s:t])}</mark>{esc(sentence[t:])}"
              if 0 <= s < t <= len(sentence) else esc(sentence))
    when = esc(e.date.label)
    how = (f'<span class="nr-how">{esc(e.date.phrase)}, counted from the article date</span>'
           if e.date.relative else "")
    meta = ", ".join(x for x in (e.source, f"published {e.published.isoformat()}" if e.published else None) if x)
    # The source: the whole article with the sentence marked, as the Sources tab shows citations
    # (no links: the page renders no href from an article).
    whole = ""
    if article is not None:
        text = article.text
        whole = ('<details class="nr-whole"><summary>Open the whole article</summary><div class="nr-article">'
                 f'{esc(text[:e.start])}<mark class="nr-quote">{esc(text[e.start:e.end])}</mark>'
                 f"{esc(text[e.end:])}</div></details>")
    return (
        f'<li class="nr-tl-entry" data-date="{e.date.value.isoformat()}">'
        f'<div class="nr-tl-date">{when}{how}</div>'
        f'<div class="nr-tl-sentence">{marked}</div>'
        f'<div class="nr-tl-source"><span class="nr-title">{esc(e.title)}</span>'
        + (f' <span class="nr-meta">{esc(meta)}</span>' if meta else "")
        + f' <span class="nr-file">{esc(PurePath(e.source_path).name)}</span>'
        + (f' <span class="nr-url">{esc(e.url)}</span>' if e.url else "")
        + "</div>"
        + also_in_html(e.also_in) + whole
        + "</li>"
    )


def timeline_html(timeline: Timeline | None, article: ArticleLookup | None = None) -> str:
    if timeline is None:
        return ('<div class="nr-empty">Type a topic to list the dated sentences of the matching articles, '
                "earliest first.</div>")
    if not timeline.entries:
        undated = (f" {timeline.undated_articles} of them state no publication date, so their relative dates "
                   "cannot be resolved." if timeline.undated_articles else "")
        return (f'<div class="nr-empty">No dated sentences in the {timeline.articles} matching '
                f"article{'s' if timeline.articles != 1 else ''}.{undated}</div>")
    articles = {aid: article(aid) for aid in dict.fromkeys(e.article_id for e in timeline.entries)} if article else {}
    more = ('<div class="nr-note">More dated sentences than shown: narrow the topic or the dates.</div>'
            if timeline.truncated else "")
    return (
        f'<div class="nr-timeline"><div class="nr-section">{len(timeline.entries)} dated sentences from '
        f"{timeline.articles} article{'s' if timeline.articles != 1 else ''}, earliest first</div>"
        f'<ol class="nr-tl">{"".join(_entry(e, articles.get(e.article_id)) for e in timeline.entries)}</ol>'
        f"{more}</div>"
    )
