"""A chat completion's `messages` as newsrag's question and conversation history.

The last message is the question and must be the user's. Before it, each user message
answered by an assistant message is one finished `Turn` (oldest first), the assistant's
text without the sources part this API appended (`service/answer_markdown.py`), so a
follow-up ("What did he say?") is rewritten with its own conversation, as in the web page.
Like every front end's conversation (`rag/conversation.py`), only the last
`DEFAULT_MAX_TURNS` turns are kept: older ones no longer help condense a follow-up.

The API is stateless: the client sends the conversation each time, so two conversations
can never share turns on the server.

Deliberately left out: system, developer and tool messages. The answer is quoted from the
articles and checked against them; an instruction cannot change what they say.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsrag.types import Turn
from rag.conversation import DEFAULT_MAX_TURNS
from service.answer_markdown import without_sources
from service.openai_errors import ApiError
from service.openai_schema import ChatMessage


@dataclass(frozen=True)
class Asked:
    question: str
    history: tuple[Turn, ...]


def read_messages(messages: list[ChatMessage]) -> Asked:
    """The question and its history; ApiError (400) when the last message is not a user's question."""
    last = messages[-1]
    if last.role != "user" or not last.text.strip():
        raise ApiError(400, f"expected the last message to be the user's question, got a {last.role} message"
                       + ("" if last.role != "user" else " without text"), param="messages")
    turns: list[Turn] = []
    pending: str | None = None  # a user message waiting for its answer
    for message in messages[:-1]:
        if message.role == "user":
            pending = message.text
        elif message.role == "assistant" and pending is not None:
            turns.append(Turn(question=pending, answer=without_sources(message.text)))
            pending = None
    return Asked(question=last.text, history=tuple(turns[-DEFAULT_MAX_TURNS:]))
