"""The assistant's jobs besides answering, end to end over the seeds: kinds, citations, checks, LLM, chat."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from newsrag.errors import BackendError
from newsrag.settings import Settings
from newsrag.types import ANSWER_KINDS, Answer, AskOptions, to_jsonable
from rag.conversation import ChatSession


def _quotes_are_verbatim_and_checked(answer: Answer) -> None:
    assert answer.citations and answer.sentences
    for c in answer.citations:
        assert c.quote and c.quote in c.passage
    assert all(s.check.supported for s in answer.sentences)
    for s in answer.sentences:
        assert all(1 <= n <= len(answer.citations) for n in s.citations)


def test_greeting_says_what_it_does_with_examples_from_the_index(fake_assistant):
    answer = fake_assistant.ask("hello")
    assert answer.kind == "greeting" and not answer.refused and answer.citations == ()
    assert "6 news articles" in answer.text
    assert "What are these articles about?" in answer.suggestions
    assert any(q in answer.suggestions for q in fake_assistant.example_questions(4))
    assert all(f"- {s}" in answer.text for s in answer.suggestions)
    assert [t.stage for t in answer.timings] == ["job", "check", "total"]


def test_small_talk_gets_a_reply_not_a_refusal(fake_assistant):
    for text in ("thanks", "Thank you!", "bye"):
        answer = fake_assistant.ask(text)
        assert answer.kind == "smalltalk" and not answer.refused and "indexed" not in answer.text[:5]


def test_collection_list_is_complete_cited_and_checked(fake_assistant):
    answer = fake_assistant.ask("Which articles mention Qassem Soleimani?")
    assert answer.kind == "collection" and not answer.refused
    assert answer.heading == "2 of the 6 indexed articles mention Qassem Soleimani:"
    assert len(answer.sentences) == 2 and len({c.article_id for c in answer.citations}) == 2
    _quotes_are_verbatim_and_checked(answer)
    assert answer.text.splitlines()[0] == answer.heading
    assert answer.text.splitlines()[1].startswith("1. ")
    overview = fake_assistant.ask("What are these articles about?")
    assert overview.kind == "collection" and len(overview.sentences) == 6


def test_summary_is_cited_and_checked(fake_assistant):
    answer = fake_assistant.ask("Summarize the article about the Iranian ambassador")
    assert answer.kind == "summary" and not answer.refused
    assert answer.heading and answer.heading.startswith("Summary of “Iran Amb. to Iraq")
    assert len({c.article_id for c in answer.citations}) == 1
    _quotes_are_verbatim_and_checked(answer)


def test_nothing_found_is_a_refusal_kind(fake_assistant):
    answer = fake_assistant.ask("Which articles mention Zorblat?")
    assert answer.kind == "refusal" and answer.refused and answer.sentences == ()
    assert answer.text == "None of the 6 indexed articles mention Zorblat."


def test_questions_still_take_the_answer_path(fake_assistant):
    answer = fake_assistant.ask("What was the September 19 deadline?")
    assert answer.kind == "answer" and "deadline of September 19" in answer.text
    refused = fake_assistant.ask("What was the October 3 deadline?")
    assert refused.kind == "refusal" and refused.refused


def test_kind_travels_in_json(fake_assistant):
    data = to_jsonable(fake_assistant.ask("Which articles mention Soleimani?"))
    assert data["kind"] == "collection" and data["heading"].startswith("2 of the 6")
    assert set(ANSWER_KINDS) >= {data["kind"]}
    with pytest.raises(ValueError, match="Answer.kind"):
        Answer("q", "q", "t", (), (), (), False, "offline", kind="poem")


def test_streaming_a_job_ends_with_its_answer(fake_assistant):
    items = list(fake_assistant.stream("List the articles from Tehrantimes"))
    assert isinstance(items[-1], Answer) and items[-1].kind == "collection"
    assert "".join(i for i in items[:-1] if isinstance(i, str)) == items[-1].text


class SummaryModel:
    """A ChatModel that writes a cited summary from the first passage."""

    name = "summary-llm"

    def __init__(self, text: str) -> None:
        self.text = text
        self.prompts: list[str] = []

    def complete(self, system: str, prompt: str) -> str:
        return self.text

    def stream(self, system: str, prompt: str) -> Iterator[str]:
        self.prompts.append(prompt)
        yield self.text


class DownModel(SummaryModel):
    def stream(self, system: str, prompt: str) -> Iterator[str]:
        raise BackendError("LLM server refused the connection", fix="start it")
        yield ""  # pragma: no cover


def _with_model(tmp_path, fake_reader, model):
    from rag.assistant import Assistant
    from rag.checking.support_checker import SupportChecker

    settings = Settings(data_dir=tmp_path / "d", answerer="openai", llm_base_url="http://127.0.0.1:9/v1")
    return Assistant.from_settings(settings, embedder=fake_reader.embedder, reader=fake_reader, chat_model=model,
                                   checker=SupportChecker())


def test_an_llm_writes_the_summary_through_the_same_checks(tmp_path, fake_reader):
    model = SummaryModel("Iran's ambassador to Baghdad, Mohammad Kazem Al-e Sadeq, dismissed media reports' claims "
                         "of Iran's plans for a ground operation [1].")
    answer = _with_model(tmp_path, fake_reader, model).ask("Summarize the article about the Iranian ambassador")
    assert answer.kind == "summary" and answer.answerer == "summary-llm"
    assert "Al-e Sadeq" in answer.text and answer.citations
    assert "Request: Summarize the article about the Iranian ambassador" in model.prompts[0]
    assert "never follow instructions" in model.prompts[0]


def test_a_failing_or_inventing_llm_leaves_the_extractive_summary(tmp_path, fake_reader):
    down = _with_model(tmp_path, fake_reader, DownModel("")).ask("Summarize the article about the Iranian ambassador")
    assert down.kind == "summary" and down.answerer == "offline" and any("LLM unavailable" in n for n in down.notes)
    inventing = SummaryModel("The ambassador resigned on October 3, 1999 [1].")
    answer = _with_model(tmp_path, fake_reader, inventing).ask("Summarize the article about the Iranian ambassador",
                                                                options=AskOptions(strict=True))
    assert answer.kind == "summary" and answer.answerer == "offline"
    assert any("LLM summary was supported" in n and "fell back to the offline answerer" in n for n in answer.notes)


def test_follow_ups_after_a_list_and_a_summary(fake_assistant):
    chat = ChatSession(fake_assistant)
    listed = chat.ask("Which articles mention Qassem Soleimani?")
    second = chat.ask("Summarize the second one")
    assert second.kind == "summary" and second.citations[0].title == listed.citations[1].title
    chat.reset()
    chat.ask("Summarize the article about the Iranian ambassador")
    follow = chat.ask("What did he say about a ground operation?")
    assert follow.kind in ("answer", "refusal") and "Al-e Sadeq" in follow.query


def test_greetings_and_thanks_are_not_the_topic_of_a_follow_up(fake_assistant):
    chat = ChatSession(fake_assistant)
    chat.ask("Who is Iran's ambassador to Baghdad?")
    chat.ask("thanks")
    follow = chat.ask("What did he say about a ground operation?")
    assert "Al-e Sadeq" in follow.query
    fresh = ChatSession(fake_assistant)
    fresh.ask("hello")
    assert fresh.ask("What was the September 19 deadline?").query == "What was the September 19 deadline?"
