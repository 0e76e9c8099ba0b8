"""Fixtures for the API and MCP tests: the page's real server over fake assistants, and a fake library.

`serve(settings, assistant)` starts `ui.server.launch` (Gradio's server with the
OpenAI-compatible API mounted at /v1) on a free port of 127.0.0.1 and closes it after the
test module; `openai_client(server, key)` is the official `openai` client pointed at it,
with retries off so a 5xx is seen once, at once.

`EchoAssistant` answers every question with the question and the history it was given,
so a test can see exactly which turns reached the assistant (and that no other
conversation's did). `FakeLibrary` is `service.library.Library` over the fake articles.

The real assistant over the indexed seeds is tested in `tests/ui/test_service_live.py`,
which shares the UI tests' session server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import openai
import pytest

from newsrag.protocols import AssistantService
from newsrag.settings import Settings
from newsrag.types import Answer, AnswerSentence, ArticleFacet, Passage, SearchFilter, SupportCheck, Turn
from service.library import Library
from tests.ui.conftest import FakeAssistant, cite
from ui.server import RunningServer, launch


class EchoAssistant(FakeAssistant):
    """Says back the question and every earlier question it was given, citing the deadline article once."""

    def answer_for(self, question: str, history: Sequence[Turn]) -> Answer:
        base = super().answer_for(question, history)  # raises InputError for an empty question, as the real one
        text = f"Answer to {question} (after: {' | '.join(t.question for t in history) or 'nothing'}) [1]"
        citation = cite(1, self.articles["deadline"], "On September 23, Iraq said the terms were in effect.")
        return Answer(question=question, query=" / ".join([*(t.question for t in history), question]), text=text,
                      sentences=(AnswerSentence(text, (1,), SupportCheck(True, 1.0, "verbatim")),),
                      citations=(citation,), passages=base.passages, refused=False, answerer="offline")


class FakeLibrary(Library):
    """Passages and articles from a FakeAssistant's fixed articles (filters matched by newsrag/filters.py)."""

    def __init__(self, assistant: FakeAssistant) -> None:
        self.assistant = assistant
        self.calls: list[tuple[str, object]] = []

    def search(self, query: str, top_k: int, where: SearchFilter) -> Sequence[Passage]:
        self.calls.append(("search", (query, top_k, where)))
        return self.assistant.answer_for(query, ()).passages[:top_k]

    def articles(self, where: SearchFilter) -> Sequence[ArticleFacet]:
        from newsrag.filters import article_matches

        self.calls.append(("articles", where))
        return [ArticleFacet(a.id, a.title, a.source, a.source_path, a.published, a.url)
                for a in sorted(self.assistant.articles.values(), key=lambda a: a.id)
                if article_matches(where, article_id=a.id, outlet=a.source, paths=[a.source_path], title=a.title,
                                   published=a.published)]


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., RunningServer]]:
    """Starts servers for this module's tests: serve(assistant, **settings) -> a running server, closed at the end."""
    started: list[RunningServer] = []

    def start(assistant: AssistantService, **settings: object) -> RunningServer:
        data_dir: Path = tmp_path_factory.mktemp("service") / "data"
        server = launch(Settings(data_dir=data_dir, host="127.0.0.1", port=0, **settings),  # type: ignore[arg-type]
                        assistant=assistant, block=False, quiet=True)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def openai_client(server: RunningServer, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url.rstrip("/") + "/v1", api_key=key, max_retries=0)
