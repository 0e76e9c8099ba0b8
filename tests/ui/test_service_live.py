"""The OpenAI-compatible API and `newsrag mcp` over the real assistant and the indexed seeds, with the real clients.

The API is the session's real server (`live_server`: the seeds indexed with the packaged
MiniLM, `ui.server.launch`, the API at /v1) through the official `openai` client. The MCP
server is `python -m cli mcp --data-dir <that index>` started by the official MCP client
over stdio, as an MCP host starts it. Both must give the same answer to "What was the
September 19 deadline?", with `[1]` in its text and its citations beside it. The logic
and every error status are tested over fakes in `tests/service/`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import openai
import pytest
from mcp import Client, StdioServerParameters

QUESTION = "What was the September 19 deadline?"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client(live_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_server.url.rstrip("/") + "/v1", api_key="unused", max_retries=0)


def ask(client: openai.OpenAI, messages: list[dict[str, str]], **kwargs):
    return client.chat.completions.create(model="newsrag", messages=messages, **kwargs)


@pytest.fixture(scope="module")
def deadline(client):
    return ask(client, [{"role": "user", "content": QUESTION}])


def test_a_plain_and_a_streamed_completion_hold_the_answer_with_its_citations(client, deadline):
    content = deadline.choices[0].message.content
    assert "September 19" in content and "[1]" in content
    citations = deadline.model_dump()["citations"]
    assert citations[0]["number"] == 1 and "September 19" in citations[0]["quote"]
    assert citations[0]["outlet"] == "Tehrantimes" and citations[0]["file"].endswith(".txt")
    assert citations[0]["supported"] is True
    assert f"- [1] *{citations[0]['title']}*, Tehrantimes" in content  # the sources part, for chat clients
    assert deadline.model_dump()["newsrag"]["kind"] == "answer"

    chunks = list(ask(client, [{"role": "user", "content": QUESTION}], stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == content
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_dump()["citations"] == citations


def test_a_follow_up_is_answered_with_its_conversation(client, deadline):
    messages = [{"role": "user", "content": QUESTION},
                {"role": "assistant", "content": deadline.choices[0].message.content},
                {"role": "user", "content": "Who set it?"}]
    follow = ask(client, messages)
    assert "September 19" in follow.model_dump()["newsrag"]["query"]
    alone = ask(client, [{"role": "user", "content": "Who set it?"}])
    assert "September 19" not in alone.model_dump()["newsrag"]["query"]


def test_filters_narrow_the_search(client):
    kept = ask(client, [{"role": "user", "content": QUESTION}], extra_body={"newsrag": {"source": "tehrantimes"}})
    assert "[1]" in kept.choices[0].message.content
    assert {c["outlet"] for c in kept.model_dump()["citations"]} == {"Tehrantimes"}
    none = ask(client, [{"role": "user", "content": QUESTION}], extra_body={"newsrag": {"source": "No Such Outlet"}})
    assert none.model_dump()["newsrag"]["refused"] is True and none.model_dump()["citations"] == []
    assert "no indexed article matches the filter (source 'No Such Outlet')" in none.choices[0].message.content


def test_a_question_the_assistant_refuses_to_read_is_a_400(client):
    with pytest.raises(openai.BadRequestError) as raised:
        ask(client, [{"role": "user", "content": "why " * 600}])
    assert "at most 2000 characters" in raised.value.response.json()["error"]["message"]


def test_newsrag_mcp_over_stdio_gives_the_same_answer(live_server, deadline):
    params = StdioServerParameters(command=sys.executable, cwd=str(PROJECT_ROOT),
                                   args=["-m", "cli", "mcp", "--data-dir", str(live_server.settings.data_dir)])

    async def session():
        async with Client(params) as mcp:
            tools = sorted(t.name for t in (await mcp.list_tools()).tools)
            return (tools, await mcp.call_tool("ask", {"question": QUESTION}),
                    await mcp.call_tool("search", {"query": "ambassador to Baghdad", "top_k": 2}),
                    await mcp.call_tool("timeline", {"topic": "border"}),
                    await mcp.call_tool("list_articles", {"source": ["Tehrantimes"]}))

    tools, answer, search, timeline, articles = anyio.run(session)
    assert tools == ["ask", "list_articles", "search", "timeline"]
    assert not answer.is_error
    assert answer.content[0].text == deadline.choices[0].message.content
    assert answer.structured_content["citations"] == deadline.model_dump()["citations"]
    assert len(search.structured_content["passages"]) == 2
    assert not timeline.is_error and timeline.structured_content["articles"] >= 1
    assert articles.structured_content["total"] == 1
