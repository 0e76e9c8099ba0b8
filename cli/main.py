"""`newsrag` command line: index, status, ask, timeline, chat, serve, mcp, eval.

The edge of the program: it builds the one Settings object from flags and environment
(`cli/options.py`), calls into `index/`, `rag/`, `ui/`, `service/` and `evals/`, and is (with the UI
and the API in `service/`) the only place that turns `NewsragError`s into user text: "error: ..." on stderr and exit
code 2, never a traceback. Each command is one parser in its own module; heavy imports
happen inside each command so `newsrag --help` and `newsrag status` stay fast.

Deliberately left out: any retrieval, answering or indexing logic.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from cli import ask, chat, eval_command, index_commands, mcp_command, serve, timeline
from newsrag.errors import NewsragError
from newsrag.offline import configure_offline

COMMAND_MODULES = (index_commands, ask, timeline, chat, serve, mcp_command, eval_command)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsrag",
                                     description="Grounded, cited answers from a folder of news articles.")
    commands = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    configure_offline()
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except NewsragError as exc:
        print(f"error: {exc.user_text}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so briefly; the traceback only on request
        if os.environ.get("NEWSRAG_DEBUG"):
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {exc} (set NEWSRAG_DEBUG=1 for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
