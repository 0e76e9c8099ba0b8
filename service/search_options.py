"""The search filters a client may send (source, title, since, until), as a `SearchFilter`.

The same four names as the command line's `--source --title --since --until`, in both
protocols: the `newsrag` field of a chat completion's body (`FilterFields`) and the MCP
tools' arguments (`search_filter`). What a filter lets through is decided in one place,
`newsrag/filters.py`; this module only builds it.

Deliberately left out: article ids (a chat client has no way to know them) and the
retrieval settings (top_k, strict mode), which stay the server's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, field_validator

from newsrag.errors import InputError
from newsrag.types import SearchFilter


def search_filter(source: Sequence[str] = (), title: Sequence[str] = (), since: dt.date | None = None,
                  until: dt.date | None = None) -> SearchFilter:
    """The filter; InputError when `since` is after `until` (nothing could match)."""
    if since and until and since > until:
        raise InputError(f"expected since <= until, got {since.isoformat()} > {until.isoformat()}", fix="swap them")
    return SearchFilter(sources=tuple(s for s in source if s.strip()), title_words=tuple(t for t in title if t.strip()),
                        date_from=since, date_to=until)


class FilterFields(BaseModel):
    """The `newsrag` field of a chat completion request: `{"source": ..., "title": ..., "since": ..., "until": ...}`."""

    model_config = ConfigDict(frozen=True, extra="forbid")  # a misspelt filter must not silently widen the search

    source: list[str] = Field(default_factory=list, description="outlet names or file-name pieces (any of them)")
    title: list[str] = Field(default_factory=list, description="words every matching title has")
    since: dt.date | None = Field(default=None, description="published on or after, YYYY-MM-DD")
    until: dt.date | None = Field(default=None, description="published on or before, YYYY-MM-DD")

    @field_validator("source", "title", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value  # "Tehrantimes" means ["Tehrantimes"]

    def to_filter(self) -> SearchFilter:
        return search_filter(self.source, self.title, self.since, self.until)
