"""One contract for every ChatModel: the test fake and the real adapter pass the same checks.

The real side is `rag.llm.chat_models.build_chat_model` over a real llama.cpp OpenAI-compatible server
with the packaged SmolLM2-135M (the `llm_server` fixture, marked `llm` and skipped where
llama.cpp is not installed); the fake is `tests.fakes.FakeChatModel`. What is checked is what
rag/ relies on: a name, text streamed as deltas, `complete` giving the whole reply trimmed,
and every backend failure arriving as a BackendError with a fix. The broken-backend
side of the real adapter needs no server: it talks to a port nothing listens on.
"""

from __future__ import annotations

import pytest

from newsrag.errors import BackendError
from newsrag.protocols import ChatModel
from newsrag.settings import Settings
from rag.llm.chat_models import OpenAILikeChatModel, build_chat_model
from tests.fakes import FakeChatModel
from tests.rag.llm_server import free_port

SYSTEM = "You answer in one short sentence."
PROMPT = "Say that the harbour opened in March."


@pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.llm)])
def model(request, tmp_path) -> ChatModel:
    if request.param == "fake":
        return FakeChatModel("The harbour opened in March. ")
    server = request.getfixturevalue("llm_server")
    built = build_chat_model(Settings(data_dir=tmp_path, answerer="openai", llm_base_url=server.base_url,
                                      llm_model=server.model_id, llm_max_tokens=24, llm_timeout_s=600.0))
    assert built is not None
    return built


@pytest.fixture(params=["fake", "real"])
def broken_model(request) -> ChatModel:
    if request.param == "fake":
        return FakeChatModel("The harbour opened in March.", fail_after=0)
    return OpenAILikeChatModel(f"http://127.0.0.1:{free_port()}/v1", "nothing-listens", timeout_s=5.0)


def test_it_has_a_name(model):
    assert isinstance(model.name, str) and model.name.strip()


def test_stream_yields_text_deltas(model):
    deltas = list(model.stream(SYSTEM, PROMPT))
    assert deltas and all(isinstance(d, str) and d for d in deltas)
    assert "".join(deltas).strip()


def test_complete_gives_the_whole_reply_trimmed(model):
    # Not compared with a second, streamed call: a real server may decode a repeated prompt
    # from its prompt cache with different rounding, and a tiny model then picks another word.
    text = model.complete(SYSTEM, PROMPT)
    assert isinstance(text, str) and text and text == text.strip()


def test_a_broken_backend_is_a_backend_error_with_a_fix(broken_model):
    with pytest.raises(BackendError) as err:
        broken_model.complete(SYSTEM, PROMPT)
    assert err.value.fix
    with pytest.raises(BackendError) as err:
        list(broken_model.stream(SYSTEM, PROMPT))
    assert err.value.fix
