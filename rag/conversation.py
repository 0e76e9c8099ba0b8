"""Conversations: the one conversation type, and per-session memory over a shared assistant.

`Conversation` is what every front end keeps of a conversation: its finished turns, oldest
first, bounded to the last `max_turns` (older turns no longer help condense a follow-up, and
an unbounded history only grows). It is a frozen value: `after(answer)` gives the next one.
The web UI holds one per browser tab inside its page state (`ui/state.py`); `ChatSession`
holds one for the terminal chat and any API, and passes its turns to the assistant's
`ask`/`stream` (any `newsrag.protocols.AssistantService`; the real one is
`rag.assistant.Assistant`, which condenses follow-ups). Each session owns its
conversation, so two users of the same assistant never see each other's turns.

Deliberately left out: persistence of conversations (a browser session is the unit).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace

from newsrag.protocols import AssistantService
from newsrag.types import Answer, AskOptions, Turn

DEFAULT_MAX_TURNS = 20


@dataclass(frozen=True)
class Conversation:
    """The finished turns of one conversation, oldest first, at most `max_turns` of them."""

    turns: tuple[Turn, ...] = ()
    max_turns: int = DEFAULT_MAX_TURNS

    def after(self, answer: Answer) -> Conversation:
        """This conversation with `answer`'s turn appended and only the last `max_turns` kept."""
        turns = (*self.turns, Turn(answer.question, answer.text))[-self.max_turns:] if self.max_turns > 0 else ()
        return replace(self, turns=turns)


class ChatSession:
    """One conversation driven from one place (the terminal, an API client): thread-safe."""

    def __init__(self, assistant: AssistantService, max_turns: int = DEFAULT_MAX_TURNS) -> None:
        self.assistant = assistant
        self.conversation = Conversation(max_turns=max_turns)
        self._lock = threading.Lock()  # one session may be driven from two events at once

    @property
    def history(self) -> tuple[Turn, ...]:
        return self.conversation.turns

    def ask(self, question: str, options: AskOptions | None = None) -> Answer:
        with self._lock:
            answer = self.assistant.ask(question, self.history, options)
            self.conversation = self.conversation.after(answer)
            return answer

    def stream(self, question: str, options: AskOptions | None = None) -> Iterator[str | Answer]:
        """Like Assistant.stream; the turn is remembered once the final Answer arrives."""
        with self._lock:
            for item in self.assistant.stream(question, self.history, options):
                if isinstance(item, Answer):
                    self.conversation = self.conversation.after(item)
                yield item

    def reset(self) -> None:
        with self._lock:
            self.conversation = replace(self.conversation, turns=())
