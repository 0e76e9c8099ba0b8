"""8 clients x 20 questions with follow-ups at once through /v1/chat/completions: no errors, no leaking.

Each client is its own `openai.OpenAI` in its own thread, keeping its own conversation
(the messages it sent and the replies *it* received) as a chat client does, over the
page's real server and `EchoAssistant`, which says back the question and every earlier
question it was given. So every reply shows exactly which turns reached the assistant
for it: they must be that client's own, in order, all of them (up to the 20 kept), and
nobody else's. The run waits on the threads, never on time. The same run over the real
assistant and the indexed seeds is `bench/api_bench.py`'s.
"""

from __future__ import annotations

import threading

import pytest

from rag.conversation import DEFAULT_MAX_TURNS
from tests.service.conftest import EchoAssistant, openai_client

CLIENTS = 8
QUESTIONS = 20


@pytest.fixture(scope="module")
def server(serve):
    return serve(EchoAssistant())


def converse(server, client_id: int, failures: list[str]) -> None:
    client = openai_client(server)
    messages: list[dict[str, str]] = []
    asked: list[str] = []
    for turn in range(QUESTIONS):
        # a standalone question, then follow-ups that only make sense with this client's history
        question = f"c{client_id}t{turn}: " + ("What was the September 19 deadline?" if turn % 3 == 0
                                                else "What did he say about it?")
        messages.append({"role": "user", "content": question})
        try:
            reply = client.chat.completions.create(model="newsrag", messages=messages,
                                                   stream=turn % 2 == 1)  # plain and streamed alike
            content = ("".join(c.choices[0].delta.content or "" for c in reply) if turn % 2 == 1
                       else reply.choices[0].message.content)
        except Exception as exc:  # collected, so one failure does not hide the others
            failures.append(f"client {client_id} turn {turn}: {type(exc).__name__}: {exc}")
            return
        expected_history = " | ".join(asked[-DEFAULT_MAX_TURNS:]) or "nothing"
        if not content.startswith(f"Answer to {question} (after: {expected_history}) [1]"):
            failures.append(f"client {client_id} turn {turn}: got {content[:300]!r}")
        messages.append({"role": "assistant", "content": content})
        asked.append(question)


def test_concurrent_conversations_stay_apart(server):
    failures: list[str] = []
    threads = [threading.Thread(target=converse, args=(server, i, failures)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, "\n".join(failures)
    assert len(server.assistant.calls) == CLIENTS * QUESTIONS
