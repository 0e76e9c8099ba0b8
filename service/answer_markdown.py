"""An Answer as one markdown message: the text with its `[n]` markers, then what a chat client cannot show otherwise.

Chat clients (Open WebUI, LibreChat, an MCP host) show the message content and ignore the
structured `citations` beside it, so the markers would point nowhere. After the answer's
own text comes a part that starts with `SOURCES_MARK`: the sentences the support checker
did not find supported, the sources that disagree, the numbered sources (title, outlet,
date, file, the quoted sentence, resolved dates, other copies of the story) and the notes.
When a client sends the message back as conversation history, `without_sources` cuts that
part off again, so a follow-up is condensed from the answer alone, as in the web page.

Article text (titles, quotes) is passed as it is: it is the answer's evidence, and the
client's markdown renderer sanitises it as it does any model output.

Deliberately left out: HTML (the web page's, `ui/render.py`) and terminal layout
(`cli/answer_text.py`).
"""

from __future__ import annotations

import datetime as dt

from newsrag.types import Answer, Citation
from service.answer_shapes import file_name

# Begins the part appended to the answer's own text (a markdown rule). The answer's text is
# sentences and list lines, never a blank line followed by a rule, so the last mark is ours.
SOURCES_MARK = "\n\n---\n"

_DISAGREEMENT_HEADINGS = {"figure": "Sources give different figures", "disputed": "Disputed claim"}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def byline(title: str, outlet: str | None, published: dt.date | None, path: str) -> str:
    """An article as one markdown line: *Title*, Outlet, 2023-10-02 (`file.txt`)."""
    where = ", ".join(x for x in (outlet, published.isoformat() if published else None) if x)
    return f"*{_one_line(title)}*" + (f", {where}" if where else "") + f" (`{file_name(path)}`)"


def _source_line(c: Citation) -> str:
    line = f"- [{c.number}] {byline(c.title, c.source, c.published, c.source_path)}: “{_one_line(c.quote)}”"
    details = [f"{m.phrase} = {m.label}" for m in c.dates if m.relative]
    if c.also_in:
        copies = (byline(r.title, r.source, r.published, r.source_path) for r in c.also_in)
        details.append("also in: " + "; ".join(copies))
    return line + (f" ({'; '.join(details)})" if details else "")


def sources_part(answer: Answer) -> list[str]:
    """The lines appended after SOURCES_MARK (none for an answer with nothing to add)."""
    lines = []
    for s in answer.sentences:
        if not s.check.supported:
            why = "; ".join(s.check.reasons) or "not supported by its citations"
            lines.append(f"⚠ Not clearly supported by its sources: “{_one_line(s.text)}” ({why})")
    for d in answer.disagreements:
        sides = " vs ".join(f"[{side.citation}] ({side.label})" for side in d.sides)
        lines.append(f"**{_DISAGREEMENT_HEADINGS.get(d.kind, 'Sources disagree')}:** {sides}: check both.")
    if answer.citations:
        lines.append("**Sources**")
        lines.extend(_source_line(c) for c in answer.citations)
    lines.extend(f"_Note: {note}_" for note in answer.notes)
    return lines


def answer_markdown(answer: Answer) -> str:
    """The message content: the answer's text, then its sources part when it has one."""
    extra = sources_part(answer)
    return answer.text + (SOURCES_MARK + "\n".join(extra) if extra else "")


def without_sources(content: str) -> str:
    """A message `answer_markdown` wrote, back to the answer's own text (any other text unchanged)."""
    head, mark, _ = content.rpartition(SOURCES_MARK)
    return head if mark else content
