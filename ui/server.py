"""Starts the browser chat: index the given folders if needed, build the app, serve it.

`launch(settings, index_paths=[...])` is what `newsrag serve` calls. It binds to
`settings.host` (127.0.0.1 unless the user asks otherwise), takes a free port when
`settings.port` is 0, turns on basic auth when `settings.auth` is "user:pass", keeps
Gradio's analytics off, mounts the OpenAI-compatible API (`service/openai_routes.py`) at
`/v1` on the same port and prints the URLs. With `block=False` it returns at once with a
`RunningServer` (tests, notebooks); `close()` stops it.

Its command line is `newsrag serve` (cli/serve.py); there is no second one here.

Deliberately left out: TLS and sharing links; put a reverse proxy in front for those.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from newsrag.offline import configure_offline
from newsrag.protocols import AssistantService, Embedder
from newsrag.settings import Settings

if TYPE_CHECKING:  # gradio and the indexer load only when a server starts
    import gradio as gr

    from index.progress import IndexProgress


@dataclass
class RunningServer:
    url: str
    blocks: gr.Blocks
    assistant: AssistantService

    def close(self) -> None:
        self.blocks.close()


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _print_progress(event: IndexProgress) -> None:
    total = f"/{event.total}" if event.total else ""
    print(f"  {event.stage}: {event.done}{total} {event.message}".rstrip(), flush=True)


def index_if_needed(settings: Settings, paths: Sequence[Path], embedder: Embedder | None, quiet: bool = False
                    ) -> None:
    from index.pipeline import Indexer, needs_indexing

    if not needs_indexing(settings, list(paths)):
        return
    if not quiet:
        print(f"Indexing {', '.join(str(p) for p in paths)} ...", flush=True)
    report = Indexer.from_settings(settings, embedder=embedder).index(
        list(paths), progress=None if quiet else _print_progress
    )
    if not quiet:
        print(
            f"Indexed: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.removed} removed ({report.chunks_total} chunks).",
            flush=True,
        )
        for problem in report.problems:
            print(f"  skipped {problem.path}: {problem.message}", file=sys.stderr, flush=True)


def launch(
    settings: Settings,
    assistant: AssistantService | None = None,
    index_paths: Sequence[Path] | None = None,
    block: bool = True,
    quiet: bool = False,
) -> RunningServer:
    configure_offline()
    from service.openai_routes import API_PATH, openai_mount
    from ui.app import build_app
    from ui.styles import CSS, theme

    if assistant is None:
        from rag.assistant import Assistant

        if index_paths:  # torch is loaded only when there is something to embed
            index_if_needed(settings, index_paths, None, quiet=quiet)
        assistant = Assistant.from_settings(settings)
    elif index_paths:
        index_if_needed(settings, index_paths, getattr(assistant, "embedder", None), quiet=quiet)
        assistant.refresh()

    demo = build_app(assistant, settings)
    demo.queue(default_concurrency_limit=2)
    port = settings.port or free_port(settings.host)
    auth: tuple[str, str] | None = None
    if settings.auth:  # "user:pass", the colon checked by Settings
        user, _, password = settings.auth.partition(":")
        auth = (user, password)
    _, local_url, _ = demo.launch(
        server_name=settings.host,
        server_port=port,
        auth=auth,
        auth_message="newsrag: sign in with the user and password given to `newsrag serve --auth`",
        prevent_thread_lock=True,
        share=False,
        inbrowser=False,
        quiet=True,
        show_error=True,
        ssr_mode=False,
        # Bytes (Gradio cannot parse "2.5mb"). Through the page every file, a web archive too, is
        # bounded by NEWSRAG_MAX_FILE_MB: a larger upload is refused before it is written to disk;
        # a larger archive is indexed from the command line (`newsrag index`).
        max_file_size=settings.max_file_bytes,
        footer_links=["api"],
        theme=theme(),
        css=CSS,
        # The OpenAI-compatible API (service/openai_routes.py) on the same port, routed before the server starts.
        app_kwargs={"routes": [openai_mount(assistant, settings)]},
    )
    # The page is served before the index is opened and the model loaded: the page's own load
    # event (example questions) opens them. Warming them here instead, in a thread, measured
    # slower to a usable page: the warm-up holds the GIL while the server sends the page's assets.
    url = local_url or f"http://{settings.host}:{port}/"
    if not quiet:
        print(f"newsrag is serving at {url}" + (" (basic auth on)" if auth else ""), flush=True)
        print(f"OpenAI-compatible API at {url.rstrip('/')}{API_PATH}", flush=True)
    server = RunningServer(url=url, blocks=demo, assistant=assistant)
    if block:
        try:
            demo.block_thread()
        finally:
            demo.close()
    return server

