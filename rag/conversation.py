"""Conversations: per-session memory over a shared assistant.

`ChatSession` keeps the finished turns of one conversation and passes them to the
assistant's `ask`/`stream` (any `newsrag.protocols.AssistantService`; the real one is
`rag.assistant.Assistant`, which condenses follow-ups). Each session owns its history, so
two users of the same assistant never see each other's turns. `remembered` is the one
rule for what a conversation keeps after an answer, used by `ChatSession` (the terminal
chat, any API) and by the web UI's immutable per-browser state (`ui/state.py`).

Deliberately left out: persistence of conversations (a browser session is the unit).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from newsrag.protocols import AssistantService
from newsrag.types import Answer, AskOptions, Turn

DEFAULT_MAX_TURNS = 20


def remembered(turns: tuple[Turn, ...], answer: Answer, max_turns: int = DEFAULT_MAX_TURNS) -> tuple[Turn, ...]:
    """The history after `answer`: its turn appended, only the last `max_turns` kept (older
    turns no longer help condense a follow-up, and an unbounded history only grows)."""
    return (*turns, Turn(answer.question, answer.text))[-max_turns:] if max_turns > 0 else ()


class ChatSession:
    """One conversation: its own history, bounded to the last `max_turns` turns."""

    def __init__(self, assistant: AssistantService, max_turns: int = DEFAULT_MAX_TURNS) -> None:
        self.assistant = assistant
        self.max_turns = max_turns
        self._turns: list[Turn] = []
        self._lock = threading.Lock()  # one session may be driven from two UI events at once

    @property
    def history(self) -> tuple[Turn, ...]:
        return tuple(self._turns)

    def ask(self, question: str, options: AskOptions | None = None) -> Answer:
        with self._lock:
            answer = self.assistant.ask(question, self.history, options)
            self._remember(answer)
            return answer

    def stream(self, question: str, options: AskOptions | None = None) -> Iterator[str | Answer]:
        """Like Assistant.stream; the turn is remembered once the final Answer arrives."""
        with self._lock:
            for item in self.assistant.stream(question, self.history, options):
                if isinstance(item, Answer):
                    self._remember(item)
                yield item

    def _remember(self, answer: Answer) -> None:
        self._turns[:] = remembered(tuple(self._turns), answer, self.max_turns)

    def reset(self) -> None:
        with self._lock:
            self._turns.clear()
