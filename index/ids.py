"""Stable, content-derived ids for articles and chunks.

An article id is a short sha256 of what the story *is* (its origin URL when known,
its title and its cleaned text), so:
- the same story found in two files (or in a moved or renamed folder) gets the same id,
  and the indexer can skip re-embedding it;
- any edit to the title or text gives a new id, so stale chunks are never reused.

Deliberately left out: the file path (moving a folder must not re-index it) and
case folding (an edit that only changes case is still an edit users can see).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

ID_HEX_CHARS = 16
_SPACE = re.compile(r"\s+")


def _normalise_text(text: str) -> str:
    # NFC + collapsed whitespace: a file re-saved with other line endings or trailing
    # spaces is the same story, but every visible character still counts.
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def normalise_url(url: str | None) -> str:
    """Scheme and host lower-cased, fragment and trailing slash dropped; '' when unknown."""
    if not url or not url.strip():
        return ""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def article_id(title: str, text: str, url: str | None = None) -> str:
    """16 hex chars of sha256(origin + title + text); independent of where the file lives."""
    payload = "\x1f".join((normalise_url(url), _normalise_text(title), _normalise_text(text)))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:ID_HEX_CHARS]


def chunk_id(article_id: str, ordinal: int) -> str:
    """`<article id>-<ordinal, 4 digits>`: sorts in reading order and names its article."""
    if ordinal < 0:
        raise ValueError(f"expected a chunk ordinal >= 0, got {ordinal}")
    return f"{article_id}-{ordinal:04d}"
