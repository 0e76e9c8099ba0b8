"""`newsrag mcp`'s tools through the official MCP client: in process over fake parts, and over streamable HTTP.

The tools' logic (arguments into filters, results into text and structured content,
failures into tool errors) runs against `FakeAssistant` and `FakeLibrary`; the stdio
server over the real assistant and the indexed seeds is in `tests/ui/test_service_live.py`.
The HTTP server is served on a socket bound before its thread starts, so the client can
connect at once: nothing waits on time.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Iterator

import anyio
import httpx2
import pytest
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from newsrag.settings import Settings
from newsrag.types import AskOptions, SearchFilter
from service.mcp_server import build_mcp_server, http_app
from tests.service.conftest import FakeLibrary
from tests.ui.conftest import FakeAssistant

QUESTION = "What was the September 19 deadline?"


@pytest.fixture
def parts() -> tuple[FakeAssistant, FakeLibrary]:
    assistant = FakeAssistant()
    return assistant, FakeLibrary(assistant)


def call(parts, tool: str, arguments: dict[str, object]):
    async def run():
        async with Client(build_mcp_server(*parts)) as client:
            return await client.call_tool(tool, arguments)

    return anyio.run(run)


def test_the_four_tools_are_listed_with_their_schemas(parts):
    async def run():
        async with Client(build_mcp_server(*parts)) as client:
            return (await client.list_tools()).tools

    tools = {t.name: t for t in anyio.run(run)}
    assert set(tools) == {"ask", "search", "timeline", "list_articles"}
    for tool in tools.values():
        assert tool.annotations.read_only_hint is True
        assert {"source", "title", "since", "until"} <= set(tool.input_schema["properties"])
        assert tool.output_schema["type"] == "object"
    assert tools["ask"].input_schema["required"] == ["question"]
    assert {"answer", "citations", "kind", "refused"} <= set(tools["ask"].output_schema["properties"])


def test_ask_gives_the_answer_as_text_and_its_citations_as_structured_content(parts):
    assistant, _ = parts
    result = call(parts, "ask", {"question": QUESTION, "source": ["Iran News"], "since": "2023-09-01"})
    answer = assistant.answer_for(QUESTION, ())
    assert not result.is_error
    assert result.content[0].text.startswith(answer.text + "\n\n---\n")
    assert "- [1] *Iran urges Iraq to disarm groups*, Iran News, 2023-10-02 (`deadline.txt`)" in result.content[0].text
    structured = result.structured_content
    assert structured["answer"] == answer.text and structured["kind"] == "answer"
    assert [(c["number"], c["file"], c["supported"]) for c in structured["citations"]] == [
        (1, "deadline.txt", True), (2, "deadline.txt", False)]
    assert assistant.calls[-1] == (QUESTION, (), AskOptions(filter=SearchFilter(
        sources=("Iran News",), date_from=dt.date(2023, 9, 1))))


@pytest.mark.parametrize(("arguments", "message"), [
    ({"question": ""}, "expected a question"),  # the assistant's InputError, with its fix
    ({"question": QUESTION, "since": "2023-12-01", "until": "2023-01-01"}, "expected since <= until"),
    ({"question": QUESTION, "since": "yesterday"}, "since"),  # the input schema
])
def test_a_failure_is_a_tool_error_the_model_can_read(parts, arguments, message):
    result = call(parts, "ask", arguments)
    assert result.is_error and message in result.content[0].text


def test_search_returns_passages(parts):
    _, library = parts
    result = call(parts, "search", {"query": "deadline", "top_k": 1, "title": ["Iraq"]})
    passages = result.structured_content["passages"]
    assert [(p["rank"], p["article_id"], p["file"]) for p in passages] == [(1, "deadline", "deadline.txt")]
    assert result.structured_content["filter"] == "title words 'Iraq'"
    assert result.content[0].text.startswith("[1] *Iran urges Iraq to disarm groups*, Iran News, 2023-10-02")
    assert library.calls[-1] == ("search", ("deadline", 1, SearchFilter(title_words=("Iraq",))))


def test_timeline_lists_dated_sentences_earliest_first(parts):
    result = call(parts, "timeline", {"topic": "deadline"})
    entries = result.structured_content["entries"]
    assert [e["date"] for e in entries] == sorted(e["date"] for e in entries) and entries
    assert entries[0]["sentence"] in result.content[0].text
    assert result.structured_content["undated_articles"] == 1


def test_list_articles_applies_the_filters_and_the_limit(parts):
    everything = call(parts, "list_articles", {})
    assert everything.structured_content["total"] == 2
    from_outlet = call(parts, "list_articles", {"source": ["iran news"]})
    assert [a["id"] for a in from_outlet.structured_content["articles"]] == ["deadline"]
    assert from_outlet.content[0].text.startswith("1 indexed article(s) match source 'iran news':")
    first = call(parts, "list_articles", {"limit": 1})
    assert first.structured_content["total"] == 2 and len(first.structured_content["articles"]) == 1
    assert "the first 1" in first.content[0].text
    none = call(parts, "list_articles", {"since": "2030-01-01"})
    assert none.structured_content["articles"] == [] and none.content[0].text.startswith("0 indexed article(s)")


@pytest.fixture
def http_server(parts) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)  # connections wait in the backlog until the server accepts them
    settings = Settings(api_key="k3y")
    server = uvicorn.Server(uvicorn.Config(http_app(build_mcp_server(*parts), settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"
    server.should_exit = True
    thread.join()
    sock.close()


def test_streamable_http_requires_the_key_and_then_answers(http_server):
    import httpx

    refused = httpx.post(http_server, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert refused.status_code == 401

    async def run():
        keyed = httpx2.AsyncClient(headers={"Authorization": "Bearer k3y"})  # the SDK's own HTTP client package
        transport = streamable_http_client(http_server, http_client=keyed)
        async with Client(transport) as client:
            return await client.call_tool("ask", {"question": QUESTION})

    result = anyio.run(run)
    assert not result.is_error and "[1]" in result.structured_content["answer"]
