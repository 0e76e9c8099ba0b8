"""The OpenAI-compatible API: `GET /v1/models` and `POST /v1/chat/completions` over the assistant.

`openai_mount(assistant, settings)` is the Starlette app `openai_app` mounted at `/v1`, as
`ui/server.py` adds it to the page's own server and port. A request goes through, in order: the Bearer key
(`service/api_key.py`; 401), the body's size (`MAX_REQUEST_BYTES`; 413), its shape
(`service/openai_schema.py`; 400), the model (404 for one not listed), the question and
history (`service/openai_messages.py`), the filters (`service/search_options.py`), then
`assistant.ask` in a worker thread (`service/openai_errors.py` maps what it raises: 400,
503 while no index exists, ...). Every failure, unknown paths included, is OpenAI's error
body.

Models: `newsrag` answers with the offline answerer (every sentence quoted from an
article); `newsrag-llm`, listed only when the settings configure an LLM
(`newsrag.settings.configured_answerer`), lets the LLM write the answer. Both are checked
and cited the same way.

`stream: true` sends the finished, checked answer as `chat.completion.chunk`s: the role,
the content a word at a time, then a last chunk with `finish_reason: "stop"`, the
citations and the answer's facts, then `data: [DONE]`. The answer is complete before the
first byte on purpose: an LLM's raw tokens carry its own passage numbers and sentences the
checker may still drop or renumber, and a chat client cannot take back what it has shown;
and every failure still gets its HTTP status.

Deliberately left out: the legacy `/v1/completions`, embeddings, `n` > 1 and server-side
conversations (the client sends the conversation; nothing is kept between requests).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route

from newsrag.errors import NewsragError
from newsrag.protocols import AssistantService
from newsrag.settings import Settings, configured_answerer
from newsrag.types import Answer, AskOptions
from service.answer_markdown import answer_markdown
from service.answer_shapes import citations_of, facts_of
from service.api_key import bearer_matches, required_key
from service.openai_errors import ApiError, from_newsrag_error
from service.openai_messages import read_messages
from service.openai_schema import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Choice,
    ChunkChoice,
    Delta,
    LastChunk,
    ModelCard,
    ModelList,
)

# The largest request body read. A question is at most NEWSRAG_MAX_QUESTION_CHARS (2,000)
# and only the last 20 turns are used, each an answer of a few KB with its sources: 1 MiB
# holds a long conversation sent back whole, and keeps a runaway client from filling memory.
MAX_REQUEST_BYTES = 1024 * 1024

# The model ids and the answerer each asks for (AskOptions.answerer).
OFFLINE_MODEL = "newsrag"
LLM_MODEL = "newsrag-llm"

_WORD = re.compile(r"(?<=\s)(?=\S)")  # splits before each word, keeping every character
EVENTS_PER_WRITE = 64  # server-sent events sent in one write (see _sse)


def model_answerers(settings: Settings) -> dict[str, str]:
    """The listed model ids and their answerers: `newsrag`, and `newsrag-llm` when an LLM is configured."""
    models = {OFFLINE_MODEL: "offline"}
    if configured_answerer(settings).llm is not None:
        models[LLM_MODEL] = "llm"
    return models


def _first_problem(exc: ValidationError) -> ApiError:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "json_invalid":
        return ApiError(400, "expected a JSON object as the request body, got invalid JSON")
    if not where:
        return ApiError(400, f"expected a JSON object as the request body: {first['msg']}")
    return ApiError(400, f"expected a valid '{where}': {first['msg']}", param=where)


class OpenAIApi:
    """The two routes over one assistant (thread-safe, as `rag.assistant.Assistant` is)."""

    def __init__(self, assistant: AssistantService, settings: Settings) -> None:
        self.assistant = assistant
        self.key = required_key(settings)
        self.models = model_answerers(settings)
        self.created = int(time.time())

    def _authorize(self, request: Request) -> None:
        if self.key is not None and not bearer_matches(request.headers.get("authorization"), self.key):
            given = "no key" if not request.headers.get("authorization") else "a wrong key"
            raise ApiError(401, f"expected 'Authorization: Bearer <key>' with this server's API key, got {given}",
                           code="invalid_api_key")

    async def _body(self, request: Request) -> bytes:
        too_big = ApiError(413, f"expected a request body of at most {MAX_REQUEST_BYTES} bytes; send fewer "
                                "earlier messages", code="request_too_large")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
            raise too_big
        body = bytearray()
        async for part in request.stream():  # counted as it arrives: a chunked body declares no length
            body += part
            if len(body) > MAX_REQUEST_BYTES:
                raise too_big
        return bytes(body)

    async def list_models(self, request: Request) -> Response:
        self._authorize(request)
        cards = [ModelCard(id=model, created=self.created) for model in self.models]
        return JSONResponse(ModelList(data=cards).model_dump(mode="json"))

    async def chat_completions(self, request: Request) -> Response:
        self._authorize(request)
        try:
            body = ChatCompletionRequest.model_validate_json(await self._body(request))
        except ValidationError as exc:
            raise _first_problem(exc) from None
        if body.model not in self.models:
            raise ApiError(404, f"expected a model among {sorted(self.models)}, got {body.model!r}",
                           code="model_not_found", param="model")
        asked = read_messages(body.messages)
        try:
            options = AskOptions(answerer=self.models[body.model], filter=body.newsrag.to_filter())
            answer = await run_in_threadpool(self.assistant.ask, asked.question, asked.history, options)
        except NewsragError as exc:
            raise from_newsrag_error(exc) from None
        reply_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if body.stream:
            return StreamingResponse(_sse(_chunks(answer, reply_id, created, body.model)),
                                     media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        completion = ChatCompletion(
            id=reply_id, created=created, model=body.model,
            choices=[Choice(message=AssistantMessage(content=answer_markdown(answer)))],
            citations=citations_of(answer), newsrag=facts_of(answer),
        )
        return JSONResponse(completion.model_dump(mode="json"))


def _chunks(answer: Answer, reply_id: str, created: int, model: str) -> Iterator[ChatCompletionChunk]:
    def chunk(delta: Delta) -> ChatCompletionChunk:
        return ChatCompletionChunk(id=reply_id, created=created, model=model, choices=[ChunkChoice(delta=delta)])

    yield chunk(Delta(role="assistant", content=""))
    for word in _WORD.split(answer_markdown(answer)):
        yield chunk(Delta(content=word))
    yield LastChunk(id=reply_id, created=created, model=model,
                    choices=[ChunkChoice(delta=Delta(), finish_reason="stop")],
                    citations=citations_of(answer), newsrag=facts_of(answer))


def _sse(chunks: Iterator[ChatCompletionChunk]) -> Iterator[str]:
    """The server-sent events, `EVENTS_PER_WRITE` to a write: the answer is already complete, and a write per
    word made a streamed reply cost p50 10.8 ms instead of 2.3 (bench/api_bench.py); clients parse the events
    the same either way."""
    events = [f"data: {c.model_dump_json()}\n\n" for c in chunks]
    events.append("data: [DONE]\n\n")
    for start in range(0, len(events), EVENTS_PER_WRITE):
        yield "".join(events[start:start + EVENTS_PER_WRITE])


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    what = {404: f"expected /v1/models or /v1/chat/completions, got {request.url.path}",
            405: f"expected {(exc.headers or {}).get('Allow', 'another method')} for {request.url.path}, "
                 f"got {request.method}"}
    return ApiError(exc.status_code, what.get(exc.status_code, exc.detail), code="not_found"
                    if exc.status_code == 404 else None).response()


async def _server_error(request: Request, exc: Exception) -> Response:
    # Starlette raises the exception on after this response, so the server logs its traceback.
    return ApiError(500, f"internal error: {type(exc).__name__} (see the server's log)", type="server_error",
                    code="server_error").response()


def openai_app(assistant: AssistantService, settings: Settings) -> Starlette:
    """The API as an app to mount at `/v1`."""
    api = OpenAIApi(assistant, settings)
    return Starlette(
        routes=[Route("/models", api.list_models, methods=["GET"]),
                Route("/chat/completions", api.chat_completions, methods=["POST"])],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error, Exception: _server_error},
    )


API_PATH = "/v1"


def openai_mount(assistant: AssistantService, settings: Settings) -> Mount:
    """The API mounted at /v1, a route for the page's server to serve beside the page."""
    return Mount(API_PATH, app=openai_app(assistant, settings))
