"""The few exception types the product raises on purpose.

Every message says what was expected, what was found, and how to fix it, e.g.
"expected a UTF-8 text file, got binary data in 'a.pdf'; convert it to .txt".
Only the CLI (`cli/`), the UI (`ui/`) and the API (`service/`) turn these into user-facing text;
library code raises them and never prints.

Deliberately left out: a deep hierarchy. Callers distinguish four situations and no more.
"""

from __future__ import annotations


class NewsragError(Exception):
    """Base class: anything the user can act on."""

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        self.message = message
        self.fix = fix
        super().__init__(message if not fix else f"{message}. Fix: {fix}")

    @property
    def user_text(self) -> str:
        return str(self)


class InputError(NewsragError):
    """A question, file or record the user supplied cannot be used as it is."""


class ConfigError(NewsragError):
    """A setting is invalid or names something that cannot be loaded (model, path, URL)."""


class IndexStateError(NewsragError):
    """The index is missing, incompatible (another embedding model) or damaged."""


class BackendError(NewsragError):
    """A service the product talks to (LLM server, Chroma server) failed or timed out."""
