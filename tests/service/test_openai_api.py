"""The OpenAI-compatible API on the page's real server, through the official `openai` client.

The server is `ui.server.launch` (Gradio's server, the API mounted at /v1) over fake
assistants that record what reached them; the real assistant over the seeds is in
`tests/ui/test_service_live.py`. Shapes checked are the ones Open WebUI reads from an
OpenAI-compatible connection: the model list's `data[].id`, and `data:` lines of
`chat.completion.chunk`s whose `choices[0].delta.content` add up to the answer, ending
with `data: [DONE]`.
"""

from __future__ import annotations

import datetime as dt
import json

import httpx
import openai
import pytest

from newsrag.errors import IndexStateError
from newsrag.types import Answer, AskOptions, SearchFilter, Turn
from service.answer_markdown import SOURCES_MARK
from tests.service.conftest import EchoAssistant, openai_client
from tests.ui.conftest import FakeAssistant
from ui.server import RunningServer

QUESTION = "What was the September 19 deadline?"


@pytest.fixture(scope="module")
def fake(serve) -> tuple[RunningServer, FakeAssistant]:
    assistant = FakeAssistant()
    return serve(assistant), assistant


@pytest.fixture(scope="module")
def echo(serve) -> tuple[RunningServer, EchoAssistant]:
    assistant = EchoAssistant()
    return serve(assistant), assistant


def ask(client: openai.OpenAI, content: str = QUESTION, **kwargs):
    return client.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": content}], **kwargs)


def test_models_are_listed_as_open_webui_reads_them(fake, serve):
    server, _ = fake
    raw = httpx.get(server.url + "v1/models").json()
    assert raw["object"] == "list"
    assert [(m["id"], m["object"], m["owned_by"]) for m in raw["data"]] == [("newsrag", "model", "newsrag")]
    assert isinstance(raw["data"][0]["created"], int)
    assert [m.id for m in openai_client(server).models.list()] == ["newsrag"]

    with_llm = serve(FakeAssistant(), llm_base_url="http://127.0.0.1:9/v1")  # an LLM configured, not reached
    assert [m.id for m in openai_client(with_llm).models.list()] == ["newsrag", "newsrag-llm"]


def test_models_choose_the_answerer(echo, serve):
    server, assistant = echo
    ask(openai_client(server))
    assert assistant.calls[-1][2] == AskOptions(answerer="offline", filter=SearchFilter())
    llm_assistant = EchoAssistant()
    with_llm = serve(llm_assistant, llm_base_url="http://127.0.0.1:9/v1")
    openai_client(with_llm).chat.completions.create(model="newsrag-llm", messages=[{"role": "user", "content": "Hi?"}])
    assert llm_assistant.calls[-1][2] == AskOptions(answerer="llm", filter=SearchFilter())


def test_a_completion_holds_the_answer_with_markers_and_its_citations(fake):
    server, assistant = fake
    reply = ask(openai_client(server))
    answer = assistant.answer_for(QUESTION, ())
    assert reply.object == "chat.completion" and reply.model == "newsrag" and reply.id.startswith("chatcmpl-")
    choice = reply.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    content = choice.message.content
    assert content.startswith(answer.text + SOURCES_MARK) and "[1]" in content
    # The sources part: the failed check, then each source with its quote, for clients that ignore `citations`.
    assert "⚠ Not clearly supported by its sources: “Iraq said on October 30 that it had complied [2].”" in content
    assert ("- [1] *Iran urges Iraq to disarm groups*, Iran News, 2023-10-02 (`deadline.txt`): “Tehran set a deadline "
            "of September 19 for the Kurdistan Regional Government to act.”") in content

    citations = reply.model_dump()["citations"]
    assert [c["number"] for c in citations] == [1, 2]
    assert citations[0] == {
        "number": 1, "article_id": "deadline", "title": "Iran urges Iraq to disarm groups", "outlet": "Iran News",
        "date": "2023-10-02", "file": "deadline.txt",
        "quote": "Tehran set a deadline of September 19 for the Kurdistan Regional Government to act.",
        "supported": True, "dates": [], "also_in": [],
    }
    assert citations[1]["supported"] is False  # the sentence citing [2] failed its check
    facts = reply.model_dump()["newsrag"]
    assert facts["kind"] == "answer" and facts["refused"] is False and facts["supported"] is False
    assert facts["query"] == QUESTION


def test_a_refusal_is_an_ordinary_message_without_citations(fake):
    server, _ = fake
    reply = ask(openai_client(server), "What was the October 3 deadline?")
    refusal = "I could not find what the October 3 deadline was in the indexed articles."
    assert reply.choices[0].message.content == refusal
    assert reply.model_dump()["citations"] == []
    assert reply.model_dump()["newsrag"]["kind"] == "refusal"


def test_a_stream_sends_the_same_answer_in_openai_chunks_ending_with_done(fake):
    server, _ = fake
    plain = ask(openai_client(server)).choices[0].message.content
    chunks = list(ask(openai_client(server), stream=True))
    assert all(c.object == "chat.completion.chunk" and c.model == "newsrag" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain
    assert len(chunks) > 10  # a word at a time, not one block
    assert [c.choices[0].finish_reason for c in chunks].count("stop") == 1 and chunks[-1].choices[0].finish_reason
    last = chunks[-1].model_dump()
    assert [c["number"] for c in last["citations"]] == [1, 2] and last["newsrag"]["kind"] == "answer"

    body = {"model": "newsrag", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    with httpx.stream("POST", server.url + "v1/chat/completions", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"
    first = json.loads(lines[0].removeprefix("data: "))
    assert first["choices"] == [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]
    assert set(first) == {"id", "object", "created", "model", "choices"}
    middle = json.loads(lines[1].removeprefix("data: "))
    assert middle["choices"] == [{"index": 0, "delta": {"content": middle["choices"][0]["delta"]["content"]},
                                  "finish_reason": None}]
    final = json.loads(lines[-2].removeprefix("data: "))
    assert final["choices"] == [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    assert final["citations"][0]["date"] == "2023-10-02" and final["citations"][1]["dates"] == []


def test_earlier_turns_reach_the_assistant_as_history(echo):
    server, assistant = echo
    client = openai_client(server)
    first = ask(client, "Who set the deadline?").choices[0].message.content
    assert SOURCES_MARK in first
    follow = client.chat.completions.create(model="newsrag", messages=[
        {"role": "system", "content": "You are a helpful assistant."},  # ignored: the answer is quoted
        {"role": "user", "content": "Who set the deadline?"},
        {"role": "assistant", "content": first},  # sent back with its sources part, as chat clients do
        {"role": "user", "content": [{"type": "text", "text": "When did he set it?"}]},  # content as parts
    ])
    question, history, _ = assistant.calls[-1]
    assert question == "When did he set it?"
    assert history == (Turn("Who set the deadline?", "Answer to Who set the deadline? (after: nothing) [1]"),)
    assert follow.choices[0].message.content.startswith("Answer to When did he set it? (after: Who set the deadline?)")


def test_filters_travel_in_the_newsrag_field(echo):
    server, assistant = echo
    ask(openai_client(server), extra_body={"newsrag": {"source": "Iran News", "title": ["Iraq", "groups"],
                                                       "since": "2023-09-01", "until": "2023-12-31"}})
    assert assistant.calls[-1][2] == AskOptions(answerer="offline", filter=SearchFilter(
        sources=("Iran News",), title_words=("Iraq", "groups"), date_from=dt.date(2023, 9, 1),
        date_to=dt.date(2023, 12, 31)))


def _error(exc: openai.APIStatusError) -> dict[str, object]:
    body = exc.response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    return body["error"]


@pytest.mark.parametrize(("messages", "extra", "param", "message"), [
    ([], None, "messages", "messages"),
    ([{"role": "assistant", "content": "Hello."}], None, "messages", "expected the last message to be the user's"),
    ([{"role": "user", "content": "   "}], None, "messages", "without text"),
    ([{"role": "wizard", "content": "Hi?"}], None, "messages.0.role", "messages.0.role"),
    ([{"role": "user", "content": QUESTION}], {"since": "last week"}, "newsrag.since", "newsrag.since"),
    ([{"role": "user", "content": QUESTION}], {"outlet": "Reuters"}, "newsrag.outlet", "Extra inputs"),
    ([{"role": "user", "content": QUESTION}], {"since": "2023-12-01", "until": "2023-01-01"}, None,
     "expected since <= until"),
])
def test_a_bad_body_is_a_400_in_openai_shape(fake, messages, extra, param, message):
    server, _ = fake
    with pytest.raises(openai.BadRequestError) as raised:
        openai_client(server).chat.completions.create(model="newsrag", messages=messages,
                                                      extra_body={"newsrag": extra} if extra else None)
    error = _error(raised.value)
    assert error["type"] == "invalid_request_error" and error["param"] == param
    assert message in str(error["message"])


def test_invalid_json_wrong_paths_and_methods_answer_in_openai_shape(fake):
    server, _ = fake
    for response, status in ((httpx.post(server.url + "v1/chat/completions", content=b"{not json"), 400),
                             (httpx.post(server.url + "v1/chat/completions", content=b"[1, 2]"), 400),
                             (httpx.get(server.url + "v1/embeddings"), 404),
                             (httpx.get(server.url + "v1/chat/completions"), 405)):
        assert response.status_code == status
        assert set(response.json()["error"]) == {"message", "type", "param", "code"}
    assert "POST" in httpx.get(server.url + "v1/chat/completions").json()["error"]["message"]


def test_an_unknown_model_is_a_404(fake):
    server, _ = fake
    with pytest.raises(openai.NotFoundError) as raised:
        openai_client(server).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi?"}])
    error = _error(raised.value)
    assert error["code"] == "model_not_found" and error["param"] == "model"
    assert "newsrag" in str(error["message"])  # names the models there are


def test_an_oversized_request_is_a_413_before_it_is_read_whole(fake):
    server, assistant = fake
    before = len(assistant.calls)
    history = [{"role": "user", "content": "x" * 100_000}, {"role": "assistant", "content": "y" * 100_000}] * 6
    with pytest.raises(openai.APIStatusError) as raised:
        openai_client(server).chat.completions.create(
            model="newsrag", messages=[*history, {"role": "user", "content": QUESTION}])
    assert raised.value.status_code == 413 and _error(raised.value)["code"] == "request_too_large"

    def chunked():  # no Content-Length: counted as it arrives
        yield b'{"model": "newsrag", "messages": [{"role": "user", "content": "'
        for _ in range(20):
            yield b"z" * 100_000
        yield b'"}]}'

    response = httpx.post(server.url + "v1/chat/completions", content=chunked())
    assert response.status_code == 413
    assert len(assistant.calls) == before


class _NoIndexYet(FakeAssistant):
    def ask(self, question: str, history=(), options=None) -> Answer:
        raise IndexStateError("expected a Chroma index at /tmp/x, got no such folder", fix="run `newsrag index`")


class _Broken(FakeAssistant):
    def ask(self, question: str, history=(), options=None) -> Answer:
        raise RuntimeError("a bug")


def test_no_index_is_a_503_and_a_bug_a_500_in_openai_shape(serve, tmp_path):
    with pytest.raises(openai.InternalServerError) as raised:
        ask(openai_client(serve(_NoIndexYet())))
    assert raised.value.status_code == 503
    error = _error(raised.value)
    assert error["type"] == "server_error" and error["code"] == "index_unavailable"
    assert "newsrag index" in str(error["message"])

    with pytest.raises(openai.InternalServerError) as raised:
        ask(openai_client(serve(_Broken())))
    assert raised.value.status_code == 500 and "RuntimeError" in str(_error(raised.value)["message"])


def test_no_index_is_a_503_with_the_real_assistant(serve, tmp_path):
    from newsrag.settings import Settings
    from rag.assistant import Assistant

    server = serve(Assistant.from_settings(Settings(data_dir=tmp_path / "empty")))
    with pytest.raises(openai.InternalServerError) as raised:
        ask(openai_client(server))
    assert raised.value.status_code == 503 and "newsrag index" in str(_error(raised.value)["message"])


def test_with_an_api_key_a_bearer_key_is_required(serve):
    server = serve(FakeAssistant(), api_key="k3y")
    for key in ("wrong", "k3y-and-more"):
        for call in (lambda c: c.models.list(), ask):
            with pytest.raises(openai.AuthenticationError) as raised:
                call(openai_client(server, key))
            assert _error(raised.value)["code"] == "invalid_api_key"
    for headers in ({}, {"Authorization": "Basic azN5"}, {"Authorization": "Bearer"}):
        response = httpx.get(server.url + "v1/models", headers=headers)
        assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key"
    assert [m.id for m in openai_client(server, "k3y").models.list()] == ["newsrag"]
    assert "[1]" in ask(openai_client(server, "k3y")).choices[0].message.content


def test_with_basic_auth_on_the_page_the_api_takes_user_and_password_as_its_key(serve):
    server = serve(FakeAssistant(), auth="reader:s3cret")
    with pytest.raises(openai.AuthenticationError):
        ask(openai_client(server, "s3cret"))
    assert "[1]" in ask(openai_client(server, "reader:s3cret")).choices[0].message.content


def test_binds_to_localhost_by_default(fake):
    from newsrag.settings import Settings

    assert Settings().host == "127.0.0.1"
    assert fake[0].url.startswith("http://127.0.0.1:")
