"""An Answer as plain text for a terminal: the answer, unsupported sentences flagged, numbered sources
(with their resolved dates and the other outlets that ran the story), sources that disagree;
and a Timeline as dated lines.

Deliberately left out: colour and terminal width (the text is also piped into files).
"""

from __future__ import annotations

from pathlib import Path

from newsrag.types import Answer, Citation, Timeline


def format_answer(answer: Answer) -> str:
    lines = []
    if answer.refused:
        lines.append(answer.text)
        if answer.passages:
            lines.append("\nClosest passages (check them yourself):")
            for p in answer.passages[:3]:
                snippet = " ".join(p.chunk.text.split())[:200]
                lines.append(f"  - {p.chunk.title} ({Path(p.chunk.source_path).name}): {snippet}")
    else:
        if answer.short:
            lines.append(f"Answer: {answer.short}")
        lines.append(answer.text)
        for s in answer.sentences:
            if not s.check.supported:
                why = "; ".join(s.check.reasons) or "not supported by its citations"
                lines.append(f"  ! unsupported: {s.text} ({why})")
        if answer.citations:
            lines.append("\nSources:")
            for c in answer.citations:
                where = ", ".join(x for x in (c.source, c.dateline) if x)
                head = f"[{c.number}] {c.title}" + (f" — {where}" if where else "") + f" ({Path(c.source_path).name})"
                lines.append(head)
                lines.append(f'    "{c.quote}"')
                lines.extend(_details(c))
        for d in answer.disagreements:
            sides = " vs ".join(f"[{s.citation}] ({s.label})" for s in d.sides)
            what = {"figure": "Sources give different figures", "disputed": "Disputed claim"}.get(
                d.kind, "Sources disagree")
            found = f"{d.method}" + (f", p={d.probability:.2f}" if d.probability is not None else "")
            advice = "each reports a claim and its denial" if d.kind == "disputed" else "check both"
            lines.append(f"\n{what}: {sides} — {advice} ({found})")
    for note in answer.notes:
        lines.append(f"(note: {note})")
    return "\n".join(lines)


def _details(c: Citation) -> list[str]:
    out = []
    dated = [m for m in c.dates if m.relative]
    if dated:
        out.append("    dates: " + "; ".join(f"{m.phrase} = {m.label}" for m in dated))
    if c.also_in:
        out.append("    also in: " + "; ".join(
            ", ".join(x for x in (r.title, r.source, r.published.isoformat() if r.published else None) if x)
            + f" ({Path(r.source_path).name})" for r in c.also_in))
    return out


def format_timeline(timeline: Timeline) -> str:
    if not timeline.entries:
        return (f"No dated sentences in the {timeline.articles} article(s) matching {timeline.query!r}."
                + (f" {timeline.undated_articles} of them state no publication date, so their relative dates "
                   "(\"on Saturday\") cannot be resolved." if timeline.undated_articles else ""))
    lines = [f"Timeline for {timeline.query!r}: {len(timeline.entries)} dated sentences from "
             f"{timeline.articles} article(s), earliest first"]
    for e in timeline.entries:
        when = e.date.label + (f"  ({e.date.phrase})" if e.date.relative else "")
        source = ", ".join(x for x in (e.source, e.published.isoformat() if e.published else None) if x)
        lines.append(f"{when}\n    {' '.join(e.sentence.split())}\n    — {e.title}"
                     + (f", {source}" if source else "") + f" ({Path(e.source_path).name})")
    if timeline.truncated:
        lines.append("(more dated sentences than shown: narrow the query or the dates)")
    return "\n".join(lines)
