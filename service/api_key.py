"""Which Bearer key the API requires, and whether a request's Authorization header carries it.

The key is `NEWSRAG_API_KEY` when set; else, when the page is protected with
`--auth user:pass` (`NEWSRAG_AUTH`), the same "user:pass" string, so one secret guards both
the page and the API; else no key is required (the server binds 127.0.0.1 unless told
otherwise). OpenAI clients send the key as `Authorization: Bearer <key>`.

Deliberately left out: several keys, scopes and OAuth; put a proxy in front for those.
"""

from __future__ import annotations

import hmac

from newsrag.settings import Settings


def required_key(settings: Settings) -> str | None:
    return settings.api_key or settings.auth or None


def bearer_matches(authorization: str | None, key: str) -> bool:
    """Whether the header is `Bearer <key>` (the scheme's case ignored, the key compared in constant time)."""
    scheme, _, given = (authorization or "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), key.encode())
