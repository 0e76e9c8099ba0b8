"""Failures as the OpenAI-compatible API answers them: an HTTP status and OpenAI's error body.

`ApiError` is raised by the routes for what they check themselves (the body, the key, the
size, the model); `from_newsrag_error` maps what the assistant raises:
- `InputError` (an empty or too long question, since after until): 400, the message naming the fix;
- `IndexStateError` (no index yet, one built with another model): 503, until `newsrag index` has run;
- `BackendError` (a Chroma server that does not answer): 502;
- `ConfigError` and any other `NewsragError`: 500.
OpenAI clients raise these as `BadRequestError`, `AuthenticationError`, `NotFoundError`,
`APIStatusError` (413) and `InternalServerError` (5xx) with the message intact.

Deliberately left out: retry hints (a missing index is not fixed by waiting).
"""

from __future__ import annotations

from starlette.responses import JSONResponse

from newsrag.errors import BackendError, IndexStateError, InputError, NewsragError
from service.openai_schema import ErrorBody, ErrorDetail, ErrorType


class ApiError(Exception):
    """One failed request: status, OpenAI's error type and code, and the parameter at fault."""

    def __init__(self, status: int, message: str, *, type: ErrorType = "invalid_request_error",
                 code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.detail = ErrorDetail(message=message, type=type, param=param, code=code)

    def response(self) -> JSONResponse:
        return JSONResponse(ErrorBody(error=self.detail).model_dump(mode="json"), status_code=self.status)


def from_newsrag_error(exc: NewsragError) -> ApiError:
    if isinstance(exc, InputError):
        return ApiError(400, exc.user_text, code="invalid_request")
    if isinstance(exc, IndexStateError):
        return ApiError(503, exc.user_text, type="server_error", code="index_unavailable")
    if isinstance(exc, BackendError):
        return ApiError(502, exc.user_text, type="server_error", code="backend_unavailable")
    return ApiError(500, exc.user_text, type="server_error", code="server_error")
