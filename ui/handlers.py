"""What the page's events do: answer (streamed), start a new chat, upload and index files.

`ChatHandlers` holds the assistant (any `newsrag.protocols.AssistantService`) and Settings
and exposes plain methods that `ui/app.py` wires to Gradio events; tests call them directly
with a fake assistant.
Errors the user can act on (`NewsragError`) become a message in the chat or the upload
report; anything unexpected is logged and shown as a short error, never a dead page.

Deliberately left out: layout (ui/app.py) and HTML (ui/render.py, ui/panels.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import gradio as gr

from index.progress import IndexProgress, ProgressCallback
from newsrag.errors import IndexStateError, NewsragError
from newsrag.protocols import AssistantService
from newsrag.settings import Settings
from newsrag.types import Answer, Article, FileLimits, IndexReport
from ui import panels, render, render_research
from ui.options import build_options
from ui.state import Bubble, ChatPage
from ui.uploads import save_uploads, uploads_dir

log = logging.getLogger(__name__)

EXAMPLE_COUNT = 4
UPLOAD_HINT = "Or add articles from this page: open the Upload tab."


def user_text(exc: NewsragError) -> str:
    """The error's own words, plus the page's way out when the index is missing."""
    return f"{exc.user_text}. {UPLOAD_HINT}" if isinstance(exc, IndexStateError) else exc.user_text


# (paths, progress callback) -> IndexReport; the real one wraps index.pipeline.Indexer.
IndexFiles = Callable[[Sequence[Path], ProgressCallback], IndexReport]

# What an event returns for one output besides a new value: Gradio's `gr.skip()` ("leave it
# as it is") or `gr.update(...)` (change some of its properties), both plain dicts to Gradio.
Update = dict[str, object]
Messages = list[dict[str, str]]  # the Chatbot's value (ui.state.ChatPage.messages)
# (chat, conversation, sources panel, why panel, question box): what every chat event returns.
ChatOutputs = tuple[Messages, ChatPage, str | Update, str | Update, str | Update]


def default_index_files(settings: Settings, assistant: AssistantService) -> IndexFiles:
    def index_files(paths: Sequence[Path], progress: ProgressCallback) -> IndexReport:
        from index.pipeline import Indexer

        indexer = Indexer.from_settings(settings, embedder=assistant.embedder)
        return indexer.index(list(paths), progress=progress)

    return index_files


class ChatHandlers:
    """The functions the page's events call; plain methods so they are easy to test."""

    def __init__(self, assistant: AssistantService, settings: Settings, index_files: IndexFiles | None = None) -> None:
        self.assistant = assistant
        self.settings = settings
        self.index_files = index_files or default_index_files(settings, assistant)
        self._index_lock = threading.Lock()  # one indexing run at a time, across tabs

    # ----------------------------------------------------------------- lookups

    def article(self, article_id: str) -> Article | None:
        try:
            return self.assistant.article(article_id)
        except NewsragError:
            return None

    def example_questions(self) -> list[str]:
        try:
            return list(self.assistant.example_questions(EXAMPLE_COUNT))
        except Exception as exc:  # an empty or missing index: the page still opens
            log.info("no example questions: %s", exc)
            return []

    def examples_update(self) -> Update:
        """The chat's example questions, drawn from the index (waits for it to open on a fresh start)."""
        return gr.update(examples=[{"text": q} for q in self.example_questions()] or None)

    def index_line(self) -> str:
        try:
            return panels.index_line_html(self.assistant.status())
        except NewsragError as exc:
            return panels.index_line_html(None, user_text(exc))

    def status(self) -> str:
        try:
            return panels.status_html(self.assistant.status())
        except NewsragError as exc:
            return panels.status_html(None, user_text(exc))

    # ----------------------------------------------------------------- chat

    def respond(
        self,
        question: str,
        conv: ChatPage | None,
        answerer: str,
        top_k: float,
        strict: bool,
        sources: str,
        date_from: str,
        date_to: str,
    ) -> Iterator[ChatOutputs]:
        """Streams (chat, conversation, sources, why, question box) as the answer grows."""
        conv = conv or ChatPage()
        question = (question or "").strip()
        if not question:
            gr.Warning("Type a question first.")
            yield conv.messages(), conv, gr.skip(), gr.skip(), gr.skip()
            return
        try:
            options = build_options(
                self.settings,
                answerer=answerer,
                top_k=top_k,
                strict=strict,
                sources=sources,
                date_from=date_from,
                date_to=date_to,
            )
        except NewsragError as exc:
            gr.Warning(exc.user_text)
            yield conv.messages(), conv, gr.skip(), gr.skip(), gr.skip()
            return

        asked = Bubble("user", render.question_html(question))
        yield conv.messages((asked, Bubble("assistant", render.streaming_html("")))), conv, gr.skip(), gr.skip(), ""
        partial = ""
        answer: Answer | None = None
        try:
            for item in self.assistant.stream(question, conv.conversation.turns, options):
                if isinstance(item, Answer):
                    answer = item
                elif item:
                    partial += str(item)
                    pending = (asked, Bubble("assistant", render.streaming_html(partial)))
                    yield conv.messages(pending), conv, gr.skip(), gr.skip(), gr.skip()
            if answer is None:
                raise RuntimeError("the assistant finished without an answer")
        except NewsragError as exc:
            failed = conv.with_error(asked.html, render.error_html(user_text(exc)))
            yield failed.messages(), failed, gr.skip(), gr.skip(), gr.skip()
            return
        except Exception as exc:  # keep the page alive; the server log has the traceback
            log.exception("answering failed")
            text = (
                f"Something went wrong while answering ({type(exc).__name__}: {exc}). "
                "Your conversation is kept; try again."
            )
            failed = conv.with_error(asked.html, render.error_html(text))
            yield failed.messages(), failed, gr.skip(), gr.skip(), gr.skip()
            return

        done = conv.with_answer(asked.html, answer, render.answer_html(answer))
        yield (
            done.messages(),
            done,
            render.sources_html(answer, self.article),
            panels.why_html(answer),
            gr.skip(),
        )

    def timeline(self, query: str, sources: str, date_from: str, date_to: str) -> str:
        """The timeline tab for a topic, with the same source and date filters as questions."""
        query = (query or "").strip()
        if not query:
            return render_research.timeline_html(None)
        try:
            options = build_options(self.settings, sources=sources, date_from=date_from, date_to=date_to)
            return render_research.timeline_html(self.assistant.timeline(query, options), self.article)
        except NewsragError as exc:
            return render.error_html(user_text(exc))
        except Exception as exc:  # keep the page alive; the server log has the traceback
            log.exception("timeline failed")
            return render.error_html(f"The timeline failed ({type(exc).__name__}: {exc}); try again.")

    def new_chat(self) -> ChatOutputs:
        empty = ChatPage()
        return [], empty, render.sources_html(None, self.article), panels.why_html(None), ""

    # ----------------------------------------------------------------- uploads

    def upload(
        self,
        files: list[str] | None,
        progress: gr.Progress | None = gr.Progress(),  # noqa: B008 - Gradio finds its progress bar by this default
    ) -> tuple[str, str, Update | None]:
        """Save, index and report; returns (report, index status, cleared file box)."""
        given = [Path(f) for f in (files or []) if f]
        if not given:
            return panels.report_html(None), self.status(), gr.skip()
        # Gradio refuses uploads over NEWSRAG_MAX_FILE_MB (ui/server.py), web archives included.
        saved = save_uploads([(p.name, p) for p in given], uploads_dir(self.settings.data_dir),
                             FileLimits.uniform(self.settings.max_file_bytes))
        report: IndexReport | None = None
        problems = list(saved.problems)
        if saved.paths:

            def on_progress(event: IndexProgress) -> None:
                if progress is None:
                    return
                label = f"{event.stage}: {event.message}".strip(": ")
                progress(event.fraction, desc=label or "indexing")

            try:
                with self._index_lock:
                    report = self.index_files(saved.paths, on_progress)
                    self.assistant.refresh()
            except NewsragError as exc:
                failed = panels.report_html(None, problems) + render.error_html(user_text(exc))
                return failed, self.status(), None
            except Exception as exc:
                log.exception("indexing uploads failed")
                text = f"Indexing failed ({type(exc).__name__}: {exc}); the existing index is unchanged."
                return panels.report_html(None, problems) + render.error_html(text), self.status(), None
        return panels.report_html(report, problems, [p.name for p in saved.paths]), self.status(), None
