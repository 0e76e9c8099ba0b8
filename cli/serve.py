"""`newsrag serve`: the browser chat (Gradio), after indexing the given paths if they changed.

The server flags (--index, --host, --port, --auth) are defined here, the only command that
has them; `ui/server.py` has no command line of its own.

Deliberately left out: building and serving the app (`ui/server.py`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.options import add_answering, add_index_location, add_setting, settings_from


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("serve", help="the browser chat (Gradio)")
    group = p.add_argument_group("server")
    group.add_argument("--index", nargs="*", type=Path, help="index these paths first if new or changed")
    add_setting(group, "--host", field="host", help="bind address (default 127.0.0.1)")
    add_setting(group, "--port", field="port", type=int, help="port (default 7860; 0 = any free port)")
    add_setting(group, "--auth", field="auth", help="basic auth user:password (env NEWSRAG_AUTH)")
    add_index_location(p)
    add_answering(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ui.server import launch

    launch(settings_from(args), index_paths=args.index or None, block=True)
    return 0
