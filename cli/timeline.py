"""`newsrag timeline`: the dated sentences of the articles matching a query, earliest first.

Deliberately left out: building the timeline (rag/research/timeline.py) and rendering beyond plain
text or JSON (cli/answer_text.py).
"""

from __future__ import annotations

import argparse
import json

from cli.answer_text import format_timeline
from cli.options import add_filters, add_index_location, add_json_output, search_filter, settings_from
from newsrag.errors import InputError


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("timeline", help="dated sentences of the articles matching a query, in date order")
    p.add_argument("query", nargs="*")
    add_json_output(p, "the Timeline")
    add_index_location(p)
    add_filters(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from newsrag.types import to_jsonable
    from rag.assistant import Assistant

    if not args.query:
        raise InputError("expected a query, got none", fix='newsrag timeline "border mission Iraq"')
    from newsrag.types import AskOptions

    options = AskOptions(filter=search_filter(args))
    timeline = Assistant.from_settings(settings_from(args)).timeline(" ".join(args.query), options)
    if args.json:
        print(json.dumps(to_jsonable(timeline), ensure_ascii=False, indent=2))
    else:
        print(format_timeline(timeline))
    return 0
