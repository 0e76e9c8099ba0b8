"""An Answer as plain text for a terminal: the answer, unsupported sentences flagged, numbered sources.

Deliberately left out: colour and terminal width (the text is also piped into files).
"""

from __future__ import annotations

from pathlib import Path

from newsrag.types import Answer


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
    for note in answer.notes:
        lines.append(f"(note: {note})")
    return "\n".join(lines)
