"""`newsrag mcp`: the assistant as a Model Context Protocol server, on stdio or streamable HTTP.

Four read-only tools, built with the official SDK's `MCPServer`:
- `ask`: a question (and optional filters) -> the checked answer with its sources;
- `search`: a query -> the passages retrieval finds, best first;
- `timeline`: a topic -> the dated sentences of the matching articles, earliest first;
- `list_articles`: the indexed articles the filters let through.
Each filter is the command line's: `source`, `title`, `since`, `until`
(`service/search_options.py`). Each result is markdown text for the host's model and the
same result as structured content with an output schema (`service/mcp_results.py`). A
failure the user can act on (no index yet, an empty question) is a tool error carrying
newsrag's message with its fix.

Over HTTP (`serve_http`) the server binds where `newsrag mcp --http HOST:PORT` says
(127.0.0.1:7861 by default) and, when the
settings set a key (`service/api_key.py`), refuses a request without `Authorization:
Bearer <key>`.

No `from __future__ import annotations` here on purpose: the SDK reads the tools' real
annotations to build their input and output schemas.

Deliberately left out: conversation history in `ask` (a host's model asks standalone
questions; the OpenAI-compatible API carries conversations), resources and prompts.
"""

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Literal, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from newsrag.errors import NewsragError
from newsrag.protocols import AssistantService
from newsrag.settings import Settings
from newsrag.types import AskOptions, SearchFilter
from service.api_key import bearer_matches, required_key
from service.library import Library
from service.mcp_results import (
    ArticleList,
    AskResult,
    SearchResult,
    TimelineResult,
    article_list,
    ask_result,
    search_result,
    timeline_result,
)
from service.search_options import search_filter

Transport = Literal["stdio", "streamable-http"]

Source = Annotated[list[str] | None, Field(description="only articles from these outlets or file names (any of them)")]
Title = Annotated[list[str] | None, Field(description="only articles whose title has every one of these words")]
Since = Annotated[dt.date | None, Field(description="only articles published on or after this day (YYYY-MM-DD)")]
Until = Annotated[dt.date | None, Field(description="only articles published on or before this day (YYYY-MM-DD)")]

INSTRUCTIONS = (
    "newsrag answers from a folder of indexed news articles only. Every sentence of an `ask` answer cites the "
    "article sentence it rests on as [n], and each citation was checked to support it; when the articles do not "
    "say, the answer is a refusal. Quote the answer with its sources rather than adding facts of your own."
)

_Result = TypeVar("_Result")


def _tool_result(text: str, structured: BaseModel) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)],
                          structured_content=structured.model_dump(mode="json"))


def _run(work: Callable[[], _Result]) -> _Result:
    """The work's result; a NewsragError becomes a tool error with its message (and fix) for the host's model."""
    try:
        return work()
    except NewsragError as exc:
        raise ToolError(exc.user_text) from exc


def _where(source: list[str] | None, title: list[str] | None, since: dt.date | None,
           until: dt.date | None) -> SearchFilter:
    return _run(lambda: search_filter(source or (), title or (), since, until))


def build_mcp_server(assistant: AssistantService, library: Library) -> MCPServer:
    """The server and its four tools over one assistant (tools run in worker threads; the assistant is thread-safe)."""
    server: MCPServer = MCPServer("newsrag", instructions=INSTRUCTIONS, log_level="WARNING")
    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=False)

    @server.tool(annotations=read_only)
    def ask(question: Annotated[str, Field(description="a question about the indexed news articles")],
            source: Source = None, title: Title = None, since: Since = None, until: Until = None,
            ) -> Annotated[CallToolResult, AskResult]:
        """Answer a question from the indexed news articles: every sentence cited [n] and checked against its source.

        Also: "What are these articles about?", "Which articles mention X?", "Summarize the article about X"."""
        options = AskOptions(filter=_where(source, title, since, until))
        text, result = ask_result(_run(lambda: assistant.ask(question, (), options)))
        return _tool_result(text, result)

    @server.tool(annotations=read_only)
    def search(query: Annotated[str, Field(description="what to look for")],
               top_k: Annotated[int, Field(ge=1, le=50, description="how many passages")] = 6,
               source: Source = None, title: Title = None, since: Since = None, until: Until = None,
               ) -> Annotated[CallToolResult, SearchResult]:
        """The passages of the indexed articles that best match a query (dense and keyword search fused), best first."""
        where = _where(source, title, since, until)
        text, result = search_result(query, where, _run(lambda: library.search(query, top_k, where)))
        return _tool_result(text, result)

    @server.tool(annotations=read_only)
    def timeline(topic: Annotated[str, Field(description="a topic, e.g. 'border mission Iraq'")],
                 source: Source = None, title: Title = None, since: Since = None, until: Until = None,
                 ) -> Annotated[CallToolResult, TimelineResult]:
        """The dated sentences of the articles about a topic, earliest first, each date resolved
        ("on Saturday" in a Thursday story is the Saturday before)."""
        options = AskOptions(filter=_where(source, title, since, until))
        text, result = timeline_result(_run(lambda: assistant.timeline(topic, options)))
        return _tool_result(text, result)

    @server.tool(annotations=read_only)
    def list_articles(source: Source = None, title: Title = None, since: Since = None, until: Until = None,
                      limit: Annotated[int, Field(ge=1, le=1000, description="at most this many")] = 100,
                      ) -> Annotated[CallToolResult, ArticleList]:
        """The indexed articles (title, outlet, date, file), optionally only those matching the filters."""
        where = _where(source, title, since, until)
        text, result = article_list(where, _run(lambda: library.articles(where)), limit)
        return _tool_result(text, result)

    return server


class RequireKey:
    """ASGI middleware: HTTP requests without `Authorization: Bearer <key>` get 401."""

    def __init__(self, app: ASGIApp, key: str) -> None:
        self.app = app
        self.key = key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not bearer_matches(Request(scope).headers.get("authorization"), self.key):
            refusal = JSONResponse({"error": "expected 'Authorization: Bearer <key>' with this server's API key"},
                                   status_code=401, headers={"WWW-Authenticate": "Bearer"})
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)


def http_app(server: MCPServer, settings: Settings, host: str = "127.0.0.1") -> ASGIApp:
    """The streamable HTTP app at /mcp (for a server bound to `host`), behind the API key when the settings set one."""
    app: ASGIApp = server.streamable_http_app(host=host)
    key = required_key(settings)
    return RequireKey(app, key) if key else app


def serve_http(server: MCPServer, settings: Settings, host: str, port: int) -> None:
    """Serve streamable HTTP at http://{host}:{port}/mcp until interrupted."""
    import uvicorn

    uvicorn.Server(uvicorn.Config(http_app(server, settings, host), host=host, port=port, log_level="warning")).run()
