"""Fixtures for the UI tests: a fake assistant for rendering, the real server for the rest.

`FakeAssistant` implements `newsrag.protocols.AssistantService`, what `ui/` calls on
`rag.assistant.Assistant` (ask, stream, example_questions, status, article, refresh,
embedder) over a few hand-made articles, and returns Answers shaped like the real ones (citations with article
offsets, a failed support check, a refusal with closest passages). It lets the render
tests run without a model or an index.

`live_server` is the real thing: a temp data dir, the seeds indexed by the real Indexer
with the packaged MiniLM, the real Assistant, served by `ui.server.launch` on a free
port in this process. Session-scoped: it is built once for the browser and API tests.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from newsrag.errors import InputError
from newsrag.protocols import AssistantService, Embedder
from newsrag.settings import Settings
from newsrag.types import (
    Answer,
    AnswerSentence,
    Article,
    AskOptions,
    Chunk,
    Citation,
    IndexStatus,
    Passage,
    SupportCheck,
    Timeline,
    TimelineEntry,
    Timing,
    Turn,
)

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1"> **bold** [x](javascript:alert(1))'

DEADLINE_TEXT = (
    "Iraq conducted a series of operations after Tehran set a deadline.\n"
    "Tehran set a deadline of September 19 for the Kurdistan Regional Government to act. "
    "On September 23, Iraq said the terms were in effect."
)


def make_article(article_id: str, title: str, text: str, **meta: object) -> Article:
    path = f"/data/seeds/{article_id}.txt"
    return Article(id=article_id, title=title, text=text, source_path=path, **meta)  # type: ignore[arg-type]


def chunk_of(article: Article, start: int = 0, end: int | None = None) -> Chunk:
    end = len(article.text) if end is None else end
    return Chunk(
        id=f"{article.id}:0",
        article_id=article.id,
        ordinal=0,
        text=article.text[start:end],
        start=start,
        end=end,
        title=article.title,
        source_path=article.source_path,
        token_count=len(article.text[start:end].split()),
        source=article.source,
        dateline=article.dateline,
        published=article.published,
    )


def cite(number: int, article: Article, quote: str) -> Citation:
    start = article.text.index(quote)
    return Citation(
        number=number,
        article_id=article.id,
        chunk_id=f"{article.id}:0",
        title=article.title,
        source_path=article.source_path,
        passage=article.text,
        quote=quote,
        start=start,
        end=start + len(quote),
        source=article.source,
        dateline=article.dateline,
        published=article.published,
    )


class FakeAssistant(AssistantService):
    """An AssistantService (like rag.assistant.Assistant) answering from fixed articles."""

    def __init__(self, articles: Sequence[Article] | None = None) -> None:
        self.articles = {
            a.id: a
            for a in (
                articles
                or [
                    make_article(
                        "deadline",
                        "Iran urges Iraq to disarm groups",
                        DEADLINE_TEXT,
                        source="Iran News",
                        dateline="TEHRAN (Iran News)",
                        published=dt.date(2023, 10, 2),
                    ),
                    make_article("hostile", f"Title {HOSTILE}", f"Body says {HOSTILE} and the deadline passed."),
                ]
            )
        }
        self.refreshed = 0
        self.calls: list[tuple[str, tuple[Turn, ...], AskOptions | None]] = []

    @property
    def embedder(self) -> Embedder | None:
        return None  # nothing is embedded: answers come from the fixed articles

    def answer_for(self, question: str, history: Sequence[Turn]) -> Answer:
        if not question.strip():
            raise InputError("expected a question, got empty text", fix="type a question")
        deadline = self.articles["deadline"]
        passages = tuple(
            Passage(chunk=chunk_of(a), score=0.9 - i * 0.2, rank=i + 1, dense_score=0.8 - i * 0.1, lexical_score=3.0)
            for i, a in enumerate(self.articles.values())
        )
        timings = (Timing("retrieve", 12.0), Timing("answer", 3.0), Timing("total", 20.0))
        if "october" in question.lower():
            return Answer(
                question=question,
                query=question,
                text="I could not find what the October 3 deadline was in the indexed articles.",
                sentences=(),
                citations=(),
                passages=passages,
                refused=True,
                answerer="offline",
                timings=timings,
            )
        if "hostile" in question.lower():
            hostile = self.articles["hostile"]
            c = cite(1, hostile, f"Body says {HOSTILE} and the deadline passed.")
            return Answer(
                question=question,
                query=f"{question} {HOSTILE}",
                text=f"Body says {HOSTILE} [1]",
                sentences=(AnswerSentence(f"Body says {HOSTILE} [1]", (1,), SupportCheck(True, 1.0, "verbatim")),),
                citations=(c,),
                passages=passages,
                refused=False,
                answerer="offline",
                timings=timings,
                notes=(f"note {HOSTILE}",),
            )
        first = cite(1, deadline, "Tehran set a deadline of September 19 for the Kurdistan Regional Government to act.")
        second = cite(2, deadline, "On September 23, Iraq said the terms were in effect.")
        sentences = (
            AnswerSentence(
                "Tehran set a deadline of September 19 for the Kurdistan Regional Government to act [1].",
                (1,),
                SupportCheck(True, 0.97, "verbatim"),
            ),
            AnswerSentence(
                "Iraq said on October 30 that it had complied [2].",
                (2,),
                SupportCheck(False, 0.2, "heuristic", ("date 'October 30' not in cited passage [2]",)),
            ),
        )
        query = question if not history else f"{history[-1].question} / {question}"
        return Answer(
            question=question,
            query=query,
            text=" ".join(s.text for s in sentences),
            sentences=sentences,
            citations=(first, second),
            passages=passages,
            refused=False,
            answerer="offline",
            timings=timings,
        )

    # --- the Assistant API used by ui/
    def ask(self, question: str, history: Sequence[Turn] = (), options: AskOptions | None = None) -> Answer:
        self.calls.append((question, tuple(history), options))
        return self.answer_for(question, history)

    def stream(
        self, question: str, history: Sequence[Turn] = (), options: AskOptions | None = None
    ) -> Iterator[str | Answer]:
        answer = self.ask(question, history, options)
        for sentence in answer.sentences or (AnswerSentence(answer.text, (), SupportCheck(True, 1, "uncited")),):
            yield sentence.text + " "
        yield answer

    def example_questions(self, n: int = 4) -> list[str]:
        return ["What was the September 19 deadline?", "What did Iraq do?"][:n]

    def status(self) -> IndexStatus:
        return IndexStatus(
            articles=len(self.articles),
            chunks=len(self.articles),
            embedding_model="fake",
            location="/tmp/fake",
            last_indexed=dt.datetime(2024, 1, 2, 3, 4, 5),
            article_titles=tuple((a.id, a.title) for a in self.articles.values()),
        )

    def article(self, article_id: str) -> Article:
        try:
            return self.articles[article_id]
        except KeyError:
            raise InputError(f"expected a known article id, got {article_id!r}") from None

    def refresh(self) -> None:
        self.refreshed += 1

    def timeline(self, query: str, options: AskOptions | None = None) -> Timeline:
        """Every date expression of the fixed articles, resolved by the indexer's own function."""
        from index.dates import find_date_mentions
        from newsrag.text import sentence_spans

        if not query.strip():
            raise InputError("expected a topic, got empty text", fix="type a topic")
        self.calls.append((query, (), options))
        entries = []
        for a in self.articles.values():
            for m in find_date_mentions(a):
                span = next(s for s in sentence_spans(a.text) if s.start <= m.start < s.end)
                entries.append(TimelineEntry(m, span.of(a.text), span.start, span.end, a.id, a.title, a.source_path,
                                             a.source, a.published, a.url))
        entries.sort(key=lambda e: e.date.value)
        return Timeline(query, tuple(entries), len(self.articles),
                        sum(1 for a in self.articles.values() if a.published is None))


@pytest.fixture
def fake_assistant() -> FakeAssistant:
    return FakeAssistant()


# ----------------------------------------------------------------------------- the real server

if TYPE_CHECKING:
    from ui.server import RunningServer

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The real app on a free port: seeds indexed with the real model, real Assistant."""
    from ui.server import launch

    root = tmp_path_factory.mktemp("ui-live")
    seeds = root / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    settings = Settings(data_dir=root / "data", host="127.0.0.1", port=0)
    server = launch(settings, index_paths=[seeds], block=False, quiet=True)
    server.settings = settings  # type: ignore[attr-defined]
    server.root = root  # type: ignore[attr-defined]
    yield server
    server.close()


@pytest.fixture(scope="session")
def fake_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The real app and server code over `FakeAssistant`: for states the seeds rarely produce
    (a sentence that fails its support check), to see them survive Gradio's sanitizer."""
    from ui.server import launch

    settings = Settings(data_dir=tmp_path_factory.mktemp("ui-fake") / "data", host="127.0.0.1", port=0)
    server = launch(settings, assistant=FakeAssistant(), block=False, quiet=True)
    yield server
    server.close()
