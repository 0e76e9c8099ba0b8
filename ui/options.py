"""Turns the settings panel (and the API's arguments) into `AskOptions`.

A control left at its default becomes None in `AskOptions`, so the assistant keeps
using `Settings`; only what the user changed is sent. Bad input (a date that is not
YYYY-MM-DD, an answerer that does not exist) raises `InputError` naming the fix.

Deliberately left out: any retrieval logic; filters are passed through as typed.
"""

from __future__ import annotations

import datetime as dt

from newsrag.errors import InputError
from newsrag.settings import Settings, configured_answerer
from newsrag.types import AskOptions, SearchFilter

ANSWERER_CHOICES = ("offline", "llm")


def answerer_choices(settings: Settings) -> tuple[str, ...]:
    """What the settings panel offers: "llm" only when the settings configure one."""
    return ANSWERER_CHOICES if configured_answerer(settings).llm else ("offline",)


def parse_date(text: str | None, label: str) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"expected {label} as YYYY-MM-DD, got {text!r}", fix="write it like 2014-10-20 or leave it empty"
        ) from None


def parse_sources(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def build_options(
    settings: Settings,
    *,
    answerer: str | None = None,
    top_k: int | float | None = None,
    strict: bool | None = None,
    sources: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> AskOptions:
    if answerer and answerer not in ANSWERER_CHOICES:
        raise InputError(f"expected answerer 'offline' or 'llm', got {answerer!r}", fix="pick one of the two")
    choice = configured_answerer(settings)
    if answerer == "llm" and choice.llm is None:
        raise InputError(
            "expected an LLM to be configured for answerer 'llm', got none",
            fix="set NEWSRAG_LLM_BASE_URL or NEWSRAG_LLM_GGUF_PATH, or use the offline answerer",
        )
    k = None
    if top_k is not None:
        k = int(top_k)
        if not 1 <= k <= 50:
            raise InputError(f"expected 1 to 50 passages, got {k}", fix="choose a number in that range")
    start = parse_date(date_from, "the start date")
    end = parse_date(date_to, "the end date")
    if start and end and start > end:
        raise InputError(f"expected the start date before the end date, got {start} > {end}", fix="swap them")
    return AskOptions(
        top_k=None if k == settings.top_k else k,
        answerer=None if not answerer or answerer == choice.default else answerer,
        strict=None if strict is None or strict == settings.strict else bool(strict),
        filter=SearchFilter(sources=parse_sources(sources), date_from=start, date_to=end),
    )
