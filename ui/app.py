"""Builds the browser chat: a Gradio Blocks app over `rag.assistant.Assistant`.

Left: the conversation (streamed answers with [n] markers, ⚠ on sentences that failed
the support check, a distinct refusal, a labelled box when sources disagree), the question
box, "New chat" and a settings panel. Right: tabs with the sources of the latest answer
(cited sentence highlighted, its relative dates resolved, other copies of the story, whole
article on demand), the timeline of a topic, "why this answer" (query searched, passages
and scores, timings), the index status (with republished-story groups), and uploading articles.

The settings panel is always in the page, shown and hidden by the "Settings" button in
the browser alone (no server round trip). It is not a closed `gr.Accordion` on purpose: Gradio
6 mounts a closed accordion's controls only when it is first opened, then one animation
frame later re-applies their server-side initial values, so a value typed in that window
(a quick user, a busy machine) silently reverted to the default and the question was asked
with it. The ask event takes every control as an input, so a question uses exactly the
values the controls show when it is asked.

Each browser tab keeps its own `ChatPage` in a `gr.State`. The events call
`ui.handlers.ChatHandlers`; all HTML comes from `ui.render` / `ui.panels`, which escape
every untrusted string; the Chatbot shows it with markdown off and Gradio's sanitizer
on as a second fence. `/ask` (ui/api.py) is the one public API endpoint.

Deliberately left out: retrieval, prompting and checking (that is `rag/`), and writing
the index (that is `index/`; uploads call the Indexer and then `assistant.refresh()`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypedDict

import gradio as gr
from gradio.blocks import Block
from gradio.events import api  # `gr.api` is left out of gradio's __all__

from index.formats import SUPPORTED_SUFFIXES
from newsrag.protocols import AssistantService
from newsrag.settings import Settings, configured_answerer
from ui import panels, render, render_research
from ui.api import make_ask_endpoint
from ui.handlers import ChatHandlers, IndexFiles
from ui.options import answerer_choices
from ui.state import ChatPage
from ui.styles import SCROLL_TO_QUOTE_JS, TOGGLE_SETTINGS_JS


class _Event(TypedDict):
    """What the triggers of one event share: the listener's keywords."""

    fn: Callable[..., object]
    inputs: list[Block]
    outputs: Block | list[Block]
    api_visibility: Literal["public", "private", "undocumented"]


def pick_example(evt: gr.SelectData) -> str:
    """The question text of a clicked example (Chatbot examples are {"text": ...} dicts)."""
    value = evt.value
    return str(value.get("text", "")) if isinstance(value, dict) else str(value or "")


def build_app(assistant: AssistantService, settings: Settings, *, index_files: IndexFiles | None = None) -> gr.Blocks:
    handlers = ChatHandlers(assistant, settings, index_files)
    choices = answerer_choices(settings)
    has_llm = len(choices) > 1

    demo = gr.Blocks(title="newsrag: sourced answers from your news articles", analytics_enabled=False)
    with demo:
        conv = gr.State(ChatPage())
        gr.HTML(
            "<h1>newsrag</h1><p>Ask about the indexed news articles. Every sentence cites its source; "
            "⚠ marks a sentence its sources do not clearly support.</p>",
            elem_id="nr-header",
            js_on_load=None,
        )
        index_line = gr.HTML(elem_id="nr-index-line", js_on_load=None)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=340, elem_id="nr-main"):
                chatbot = gr.Chatbot(
                    elem_id="nr-chat",
                    label="Conversation",
                    height=520,
                    render_markdown=False,  # our HTML is escaped already; no markdown from articles
                    sanitize_html=True,  # and Gradio's sanitizer as a second fence
                    allow_tags=False,
                    latex_delimiters=[],
                    feedback_options=None,
                    buttons=["copy"],
                    examples=None,  # filled by the page's load event: the page is up before the index is open
                    placeholder="Ask a question about the indexed articles, or pick an example.",
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        elem_id="nr-question",
                        show_label=False,
                        placeholder="e.g. What was the September 19 deadline?",
                        lines=1,
                        max_lines=4,
                        scale=6,
                        min_width=180,
                        autofocus=True,
                    )
                    send = gr.Button("Ask", variant="primary", elem_id="nr-send", scale=1, min_width=70)
                    new_chat = gr.Button("New chat", elem_id="nr-new", scale=1, min_width=110)
                settings_button = gr.Button("Settings", size="sm", elem_id="nr-settings-toggle")
                with gr.Group(elem_id="nr-settings"):
                    answerer = gr.Radio(
                        list(choices),
                        value=configured_answerer(settings).default if has_llm else "offline",
                        label="Answerer",
                        info="offline: extractive, no LLM"
                        + ("" if has_llm else " (no LLM configured: set NEWSRAG_LLM_BASE_URL)"),
                    )
                    top_k = gr.Slider(
                        1, 20, value=min(settings.top_k, 20), step=1, label="Passages per answer", elem_id="nr-topk"
                    )
                    strict = gr.Checkbox(value=settings.strict, label="Strict: drop sentences that fail the check")
                    sources = gr.Textbox(label="Only these sources (comma-separated outlets or file names)")
                    with gr.Row():
                        date_from = gr.Textbox(label="From date", placeholder="YYYY-MM-DD", min_width=120)
                        date_to = gr.Textbox(label="To date", placeholder="YYYY-MM-DD", min_width=120)
            with gr.Column(scale=2, min_width=320, elem_id="nr-side"), gr.Tabs():
                with gr.Tab("Sources", id="sources", elem_id="nr-tab-sources"):
                    sources_panel = gr.HTML(
                        render.sources_html(None, handlers.article),
                        elem_id="nr-sources",
                        js_on_load=SCROLL_TO_QUOTE_JS,
                    )
                with gr.Tab("Timeline", id="timeline", elem_id="nr-tab-timeline"):
                    with gr.Row(equal_height=True):
                        timeline_query = gr.Textbox(show_label=False, placeholder="Topic, e.g. border mission Iraq",
                                                    elem_id="nr-timeline-query", scale=4, min_width=160)
                        timeline_go = gr.Button("Show timeline", elem_id="nr-timeline-go", scale=1, min_width=90)
                    timeline_panel = gr.HTML(render_research.timeline_html(None), elem_id="nr-timeline",
                                             js_on_load=None)
                with gr.Tab("Why this answer", id="why", elem_id="nr-tab-why"):
                    why_panel = gr.HTML(panels.why_html(None), elem_id="nr-why", js_on_load=None)
                with gr.Tab("Index", id="index", elem_id="nr-tab-index"):
                    status_panel = gr.HTML(elem_id="nr-status", js_on_load=None)
                    refresh = gr.Button("Refresh status", size="sm", elem_id="nr-refresh")
                with gr.Tab("Upload", id="upload", elem_id="nr-tab-upload"):
                    files = gr.File(
                        label=f"Articles ({', '.join(SUPPORTED_SUFFIXES)}; up to {settings.max_file_mb:g} MB each)",
                        file_count="multiple",
                        file_types=list(SUPPORTED_SUFFIXES),
                        type="filepath",
                        elem_id="nr-files",
                    )
                    upload_btn = gr.Button("Add to index", variant="primary", elem_id="nr-upload")
                    upload_report = gr.HTML(elem_id="nr-upload-report", js_on_load=None)

        settings_button.click(None, None, None, js=TOGGLE_SETTINGS_JS, api_visibility="private")
        # The settings travel with each question as inputs (read from the controls when it is
        # asked), never through state another event updates.
        ask_inputs: list[Block] = [question, conv, answerer, top_k, strict, sources, date_from, date_to]
        ask_outputs: list[Block] = [chatbot, conv, sources_panel, why_panel, question]
        ask_event = _Event(fn=handlers.respond, inputs=ask_inputs, outputs=ask_outputs, api_visibility="private")
        question.submit(**ask_event)
        send.click(**ask_event)
        chatbot.example_select(
            pick_example,
            inputs=None,
            outputs=question,
            api_visibility="private",
        ).then(**ask_event)
        # The timeline uses the settings panel's source and date filters, read when it is asked for.
        timeline_event = _Event(fn=handlers.timeline, inputs=[timeline_query, sources, date_from, date_to],
                                outputs=timeline_panel, api_visibility="private")
        timeline_query.submit(**timeline_event)
        timeline_go.click(**timeline_event)
        new_chat.click(handlers.new_chat, None, ask_outputs, api_visibility="private")
        # the Chatbot's own clear (bin) button must forget the conversation too
        chatbot.clear(handlers.new_chat, None, ask_outputs, api_visibility="private")
        upload_btn.click(
            handlers.upload, [files], [upload_report, status_panel, files], api_visibility="private"
        )
        refresh.click(handlers.status, None, status_panel, api_visibility="private").then(
            handlers.index_line, None, index_line, api_visibility="private")
        demo.load(handlers.status, None, status_panel, api_visibility="private")
        demo.load(handlers.index_line, None, index_line, api_visibility="private")
        demo.load(handlers.examples_update, None, chatbot, api_visibility="private")
        api(make_ask_endpoint(assistant, settings), api_name="ask")
    return demo
