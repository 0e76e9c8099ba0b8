"""What one browser tab remembers: its conversation, the chat bubbles and the last answer.

Held in a `gr.State`, so every tab has its own value and "New chat" just swaps in an
empty one. Frozen: a handler returns a new value rather than editing the old one.

Deliberately left out: persistence. A conversation lives as long as the page does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from newsrag.types import Answer
from rag.conversation import Conversation


@dataclass(frozen=True)
class Bubble:
    role: str  # "user" or "assistant"
    html: str  # already escaped, built by ui.render


@dataclass(frozen=True)
class ChatPage:
    conversation: Conversation = Conversation()  # the turns the assistant sees as history (rag/conversation.py)
    bubbles: tuple[Bubble, ...] = ()  # what the chat shows
    last_answer: Answer | None = None

    def with_answer(self, question_html: str, answer: Answer, answer_html: str) -> ChatPage:
        return replace(
            self,
            conversation=self.conversation.after(answer),
            bubbles=self.bubbles + (Bubble("user", question_html), Bubble("assistant", answer_html)),
            last_answer=answer,
        )

    def with_error(self, question_html: str, error_html: str) -> ChatPage:
        """An error is shown but not added to the history the assistant sees."""
        return replace(self, bubbles=self.bubbles + (Bubble("user", question_html), Bubble("assistant", error_html)))

    def messages(self, pending: tuple[Bubble, ...] = ()) -> list[dict[str, str]]:
        """Gradio 6 Chatbot value: a list of {"role", "content"} dicts."""
        return [{"role": b.role, "content": b.html} for b in self.bubbles + pending]
