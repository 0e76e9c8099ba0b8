"""The flags several commands share, each defined once, and what they turn into.

Three option groups: where the index lives (`add_index_location`: every command), how to
answer (`add_answering`: ask, chat, serve, eval) and what to search (`add_filters`: ask,
chat); and `--json` (`add_json_output`: status, ask). A flag that overrides a setting is
declared with `add_setting`, which records the `Settings` field it names, so
`settings_from(args)` builds the one Settings object from exactly the flags given (the
environment fills in the rest); `ask_options(args)` turns the answering and filter flags
into the per-question `AskOptions`.

Deliberately left out: flags only one command has (they live with that command) and any
default value (a flag not given is None: Settings and the environment decide).
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from newsrag.errors import InputError
from newsrag.settings import Settings, load_settings
from newsrag.types import AskOptions, SearchFilter

# The Settings fields some flag overrides (each flag's argparse dest is the field's name).
_SETTING_FIELDS: set[str] = set()


def add_setting(group: argparse._ActionsContainer, flag: str, *, field: str, help: str,
                type: Callable[[str], object] | None = None, choices: Sequence[str] | None = None,
                switch: bool = False) -> None:
    """A flag that overrides the Settings field `field` (None when not given; `switch`: a flag
    without a value that sets it to True)."""
    if field not in Settings.model_fields:
        raise ValueError(f"expected a Settings field for {flag}, got {field!r}")
    _SETTING_FIELDS.add(field)
    if switch:
        group.add_argument(flag, dest=field, default=None, action="store_true", help=help)
        return
    # --help shows the choices, else the flag's own name (not the field's)
    metavar = "{" + ",".join(choices) + "}" if choices else flag.lstrip("-").replace("-", "_").upper()
    group.add_argument(flag, dest=field, default=None, type=type or str, choices=choices, metavar=metavar, help=help)


def add_index_location(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("index location")
    add_setting(group, "--data-dir", field="data_dir", type=Path,
                help="index folder (env NEWSRAG_DATA_DIR; default ./data)")
    add_setting(group, "--chroma-url", field="chroma_url",
                help="use a Chroma server instead of the embedded store (env NEWSRAG_CHROMA_URL)")
    add_setting(group, "--embedding-model", field="embedding_model",
                help="sentence-transformers name or path (env NEWSRAG_EMBEDDING_MODEL)")


def add_answering(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("answering")
    add_setting(group, "--answerer", field="answerer", choices=["offline", "openai", "llamacpp"],
                help="default offline (env NEWSRAG_ANSWERER)")
    add_setting(group, "--llm-base-url", field="llm_base_url",
                help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1")
    add_setting(group, "--llm-model", field="llm_model", help="model name at that endpoint")
    add_setting(group, "--llm-gguf", field="llm_gguf_path", type=Path,
                help="in-process llama.cpp model file (needs the [llm] extra)")
    add_setting(group, "--top-k", field="top_k", type=int, help="passages per answer (default 6)")
    add_setting(group, "--strict", field="strict", switch=True, help="drop sentences that fail the support check")


def add_filters(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("what to search")
    group.add_argument("--source", action="append", help="only articles from this outlet/file (repeatable)")
    group.add_argument("--title", action="append", help="only articles whose title has this word (repeatable)")
    group.add_argument("--since", help="only articles published on/after YYYY-MM-DD")
    group.add_argument("--until", help="only articles published on/before YYYY-MM-DD")


def add_json_output(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--json", action="store_true", help=f"print {what} as JSON")


def settings_from(args: argparse.Namespace) -> Settings:
    """The one Settings object: the environment, overridden by the setting flags given."""
    return load_settings(**{field: getattr(args, field) for field in _SETTING_FIELDS if hasattr(args, field)})


def _day(value: str | None, flag: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"expected {flag} as YYYY-MM-DD, got {value!r}", fix=f"e.g. {flag} 2023-09-01") from None


def search_filter(args: argparse.Namespace) -> SearchFilter:
    """The filter flags (add_filters) as a SearchFilter."""
    return SearchFilter(
        sources=tuple(args.source or ()),
        title_words=tuple(args.title or ()),
        date_from=_day(args.since, "--since"),
        date_to=_day(args.until, "--until"),
    )


def ask_options(args: argparse.Namespace) -> AskOptions:
    """The answering and filter flags (add_answering, add_filters) as per-question options."""
    return AskOptions(top_k=args.top_k, strict=args.strict, filter=search_filter(args))
