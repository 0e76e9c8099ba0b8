"""The `/ask` JSON endpoint and the server's edges, through `gradio_client` over real HTTP.

Uses the session's real server (seeds indexed, real Assistant). A second server with
basic auth shares that Assistant, so it starts in a second.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from gradio_client import Client

from newsrag.settings import Settings
from ui.server import launch


@pytest.fixture(scope="module")
def client(live_server) -> Client:
    return Client(live_server.url, verbose=False)


def test_ask_returns_the_structured_answer(client: Client):
    answer = client.predict("What was the September 19 deadline?", [], 0, "", False, api_name="/ask")
    assert answer["refused"] is False
    assert "[1]" in answer["text"]
    first = answer["citations"][0]
    assert first["number"] == 1 and "September 19" in first["quote"]
    assert first["quote"] in first["passage"]
    assert {"query", "sentences", "passages", "timings", "supported", "answerer"} <= set(answer)
    assert answer["passages"][0]["chunk"]["text"]


def test_ask_takes_history_for_follow_ups(client: Client):
    first = client.predict("What was the September 19 deadline?", [], 0, "", False, api_name="/ask")
    history = [{"question": first["question"], "answer": first["text"]}]
    follow = client.predict("Who set it?", history, 3, "", False, api_name="/ask")
    assert "September 19" in follow["query"]
    assert len(follow["passages"]) <= 3
    alone = client.predict("Who set it?", [], 0, "", False, api_name="/ask")
    assert "September 19" not in alone["query"]


def test_ask_refuses_what_the_articles_do_not_say(client: Client):
    answer = client.predict("What was the October 3 deadline?", [], 0, "", False, api_name="/ask")
    assert answer["refused"] is True and answer["citations"] == []
    assert answer["passages"], "a refusal still shows the closest passages"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", [], 0, "", False), "question"),
        (("Who?", "not a list", 0, "", False), "expected history"),
        (("Who?", [{"q": 1}], 0, "", False), "expected history[0]"),
        (("Who?", [], 0, "gpt-9", False), "expected answerer"),
    ],
)
def test_bad_requests_get_clear_errors(client: Client, args, message):
    with pytest.raises(Exception, match=re.escape(message)):
        client.predict(*args, api_name="/ask")


def test_only_ask_is_a_public_endpoint(client: Client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert list(endpoints) == ["/ask"]


def test_binds_to_localhost_by_default(live_server):
    assert Settings().host == "127.0.0.1"
    assert live_server.url.startswith("http://127.0.0.1:")


def test_basic_auth_guards_page_and_api(live_server):
    settings = Settings(data_dir=live_server.settings.data_dir, port=0, auth="reader:s3cret")
    server = launch(settings, assistant=live_server.assistant, block=False, quiet=True)
    try:
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(server.url + "config", timeout=10)
        assert denied.value.code in (401, 403)
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises its HTTP layer's error for a 401
            Client(server.url, verbose=False)
        authed = Client(server.url, auth=("reader", "s3cret"), verbose=False)
        answer = authed.predict("What was the September 19 deadline?", [], 0, "", False, api_name="/ask")
        assert answer["citations"]
    finally:
        server.close()
