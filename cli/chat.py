"""`newsrag chat`: an interactive conversation in the terminal; follow-up questions work.

`/new` starts a new conversation, `/quit` (or end of input) leaves. An error the user can
act on is printed and the conversation goes on.

Deliberately left out: line editing and history files (the terminal's own `input()`).
"""

from __future__ import annotations

import argparse

from cli.answer_text import format_answer
from cli.options import add_answering, add_filters, add_index_location, ask_options, settings_from
from newsrag.errors import NewsragError


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("chat", help="interactive conversation in the terminal")
    add_index_location(p)
    add_answering(p)
    add_filters(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rag.assistant import Assistant
    from rag.conversation import ChatSession

    session = ChatSession(Assistant.from_settings(settings_from(args)))
    options = ask_options(args)
    print("Ask about the indexed articles. Follow-ups work. Commands: /new (new chat), /quit.")
    while True:
        try:
            question = input("\nyou> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question in ("/quit", "/exit"):
            return 0
        if question == "/new":
            session.reset()
            print("(new conversation)")
            continue
        if not question:
            continue
        try:
            answer = session.ask(question, options)
        except NewsragError as exc:
            print(f"error: {exc.user_text}")
            continue
        if answer.query != question:
            print(f"(searched: {answer.query})")
        print(format_answer(answer))
