"""The one escaping rule for text put into the UI's HTML: everything from articles, questions
and answers goes through `esc` (quotes included, for attribute values).

Deliberately left out: markup of any kind (the render modules build it).
"""

from __future__ import annotations

import html


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)
