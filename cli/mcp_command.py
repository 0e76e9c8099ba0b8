"""`newsrag mcp`: the assistant as an MCP server for MCP hosts (desktop assistants, editors' agents).

On stdio by default: the host starts `newsrag mcp --data-dir DIR` itself and talks over its
stdin and stdout, so nothing else may be printed to stdout. `--http [HOST:PORT]` serves
streamable HTTP at http://HOST:PORT/mcp instead (127.0.0.1:7861 unless told otherwise; with
NEWSRAG_API_KEY or NEWSRAG_AUTH set, a Bearer key is required). One flag for the address,
not `--host`/`--port`: those are `newsrag serve`'s settings for the page.

Deliberately left out: the tools themselves (`service/mcp_server.py`) and indexing (run
`newsrag index` first; without an index every tool says so).
"""

from __future__ import annotations

import argparse

from cli.options import add_answering, add_index_location, settings_from
from newsrag.errors import InputError

DEFAULT_HTTP_ADDRESS = "127.0.0.1:7861"  # beside `newsrag serve`'s 7860


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("mcp", help="MCP server (stdio; --http for streamable HTTP)")
    group = p.add_argument_group("transport")
    group.add_argument("--http", nargs="?", const=DEFAULT_HTTP_ADDRESS, default=None, metavar="HOST:PORT",
                       help=f"serve streamable HTTP at http://HOST:PORT/mcp instead of stdio "
                            f"(default {DEFAULT_HTTP_ADDRESS})")
    add_index_location(p)
    add_answering(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rag.assistant import Assistant
    from service.library import AssistantLibrary
    from service.mcp_server import build_mcp_server, serve_http

    settings = settings_from(args)
    assistant = Assistant.from_settings(settings)  # opens the index and loads the model at the first tool call
    server = build_mcp_server(assistant, AssistantLibrary(assistant))
    if args.http:
        host, port = http_address(args.http)
        serve_http(server, settings, host, port)
    else:
        server.run("stdio")
    return 0


def http_address(text: str) -> tuple[str, int]:
    """("127.0.0.1", 7861) from "127.0.0.1:7861" ("[::1]:7861" for IPv6); InputError for anything else."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"expected --http HOST:PORT, got {text!r}", fix=f"e.g. --http {DEFAULT_HTTP_ADDRESS}")
    return host.strip("[]"), int(port)
