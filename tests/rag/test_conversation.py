"""Chat sessions: own memory, isolation, follow-ups through the session."""

from __future__ import annotations

import threading

from newsrag.types import Answer
from rag.conversation import ChatSession


def test_sessions_keep_their_own_history(fake_assistant):
    a, b = ChatSession(fake_assistant), ChatSession(fake_assistant)
    a.ask("Who is Iran's ambassador to Baghdad?")
    assert len(a.history) == 1 and b.history == ()
    answer = b.ask("What did he say about a ground operation?")
    assert answer.query == "What did he say about a ground operation?"  # b has no "he" to resolve
    followed = a.ask("What did he say about a ground operation?")
    assert "Al-e Sadeq" in followed.query
    assert [t.question for t in a.history] == ["Who is Iran's ambassador to Baghdad?",
                                                "What did he say about a ground operation?"]


def test_concurrent_sessions_do_not_mix(fake_assistant):
    sessions = [ChatSession(fake_assistant) for _ in range(4)]
    questions = ["What was the September 19 deadline?", "Who is Qassem Soleimani?",
                 "When did Iran and Iraq sign a security deal?", "What did the Financial Times report?"]
    threads = [threading.Thread(target=s.ask, args=(q,)) for s, q in zip(sessions, questions, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s.history[0].question for s in sessions] == questions


def test_reset_and_bounded_memory(fake_assistant):
    s = ChatSession(fake_assistant, max_turns=2)
    for q in ("Who is Qassem Soleimani?", "What was the September 19 deadline?", "Who is Kiumars Heidari?"):
        s.ask(q)
    assert [t.question for t in s.history] == ["What was the September 19 deadline?", "Who is Kiumars Heidari?"]
    s.reset()
    assert s.history == ()


def test_session_stream_remembers_the_turn(fake_assistant):
    s = ChatSession(fake_assistant)
    items = list(s.stream("What was the September 19 deadline?"))
    assert isinstance(items[-1], Answer) and s.history[0].answer == items[-1].text



def test_one_conversation_type_keeps_the_last_turns_for_the_chat_session_and_the_web_ui(fake_assistant):
    from newsrag.types import Answer
    from rag.conversation import Conversation
    from ui.state import ChatPage

    def answer(n: int) -> Answer:
        return Answer(question=f"q{n}", query=f"q{n}", text=f"a{n}", sentences=(), citations=(), passages=(),
                      refused=False, answerer="offline")

    conversation, page = Conversation(max_turns=20), ChatPage()
    for n in range(25):
        conversation = conversation.after(answer(n))
        page = page.with_answer(f"q{n}", answer(n), f"a{n}")
    assert [t.question for t in conversation.turns] == [f"q{n}" for n in range(5, 25)]
    assert page.conversation == conversation and len(page.bubbles) == 50  # the page still shows every bubble
    session = ChatSession(fake_assistant)
    assert type(session.conversation) is Conversation and session.conversation.max_turns == 20
    assert Conversation(max_turns=0).after(answer(1)).turns == ()
