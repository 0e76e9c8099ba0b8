"""General English word lists, read from the data files in `newsrag/vocab/`.

One place for every list the product matches words against (stopwords, titles,
months, number words, ...), so that no module keeps its own copy. A file holds one
entry per line; `#` starts a comment; `key:value` lines make a mapping.

Deliberately left out: anything tied to particular articles, people or outlets. These
lists are general English; what is fitted to data lives in `rag/models/`.
"""

from __future__ import annotations

import functools
from importlib import resources


def _lines(name: str) -> list[str]:
    try:
        text = resources.files("newsrag").joinpath("vocab", f"{name}.txt").read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ValueError(f"expected a word list newsrag/vocab/{name}.txt, got no such file") from exc
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


@functools.cache
def vocabulary(name: str) -> frozenset[str]:
    """The words of list `name` (for a mapping file: its keys)."""
    return frozenset(line.split(":", 1)[0] for line in _lines(name))


@functools.cache
def mapping(name: str) -> dict[str, str]:
    """A `key:value` list as a dict, in file order."""
    out: dict[str, str] = {}
    for line in _lines(name):
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"expected 'key:value' lines in newsrag/vocab/{name}.txt, got {line!r}")
        out[key] = value
    return out
