"""The request and response bodies of the OpenAI-compatible API, as OpenAI's chat completions API shapes them.

Requests: `model`, `messages` (roles system, developer, user, assistant, tool; content a
string or a list of parts, of which the text parts are read), `stream`, and newsrag's own
`newsrag` field with the search filters (`service/search_options.py`). Every other field a
client sends (temperature, max_tokens, tools, Open WebUI's metadata...) is accepted and
ignored: an answer quoted from the articles has no sampling to tune.

Responses: a `chat.completion`, or `chat.completion.chunk`s for `stream: true`, each with
one choice; the completion (and the stream's last chunk) also carries `citations` and
`newsrag` (`service/answer_shapes.py`). `/v1/models` is a `list` of `model`s; errors are
`{"error": {"message", "type", "param", "code"}}`. These are the shapes Open WebUI reads
from an OpenAI-compatible connection: `data[].id` of the model list, and
`choices[0].delta.content` of each `data:` line until `data: [DONE]`.

Deliberately left out: `n` > 1, logprobs, tool calls and token usage (an extractive answer
has no tokens to count; `usage` is optional in OpenAI's schema).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from service.answer_shapes import AnswerFacts, CitationShape
from service.search_options import FilterFields


class _Lenient(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")  # OpenAI keeps adding fields; none changes an answer


class ContentPart(_Lenient):
    type: str
    text: str | None = None  # image and audio parts have none


class ChatMessage(_Lenient):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(part.text for part in self.content if part.type == "text" and part.text)
        return self.content or ""


class ChatCompletionRequest(_Lenient):
    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    newsrag: FilterFields = FilterFields()


class _Shape(BaseModel):
    model_config = ConfigDict(frozen=True)


class AssistantMessage(_Shape):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(_Shape):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(_Shape):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    citations: list[CitationShape]
    newsrag: AnswerFacts


class Delta(_Shape):
    """What a chunk adds: `{"role": "assistant", "content": ""}` first, then `{"content": ...}`, `{}` last."""

    role: Literal["assistant"] | None = None
    content: str | None = None

    @model_serializer(mode="wrap")
    def _given_fields_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        fields: dict[str, object] = handler(self)
        return {name: value for name, value in fields.items() if value is not None}


class ChunkChoice(_Shape):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None


class ChatCompletionChunk(_Shape):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]


class LastChunk(ChatCompletionChunk):
    """The stream's last chunk (`finish_reason: "stop"`) also carries what a completion carries beside its message."""

    citations: list[CitationShape]
    newsrag: AnswerFacts


class ModelCard(_Shape):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "newsrag"


class ModelList(_Shape):
    object: Literal["list"] = "list"
    data: list[ModelCard]


# OpenAI's own: a wrong key is an "invalid_request_error" with code "invalid_api_key".
ErrorType = Literal["invalid_request_error", "server_error"]


class ErrorDetail(_Shape):
    message: str
    type: ErrorType
    param: str | None = None
    code: str | None = None


class ErrorBody(_Shape):
    error: ErrorDetail
