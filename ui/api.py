"""The named JSON endpoint `/ask`: one question in, the whole structured Answer out.

For scripts and `gradio_client`:
    Client(url).predict("What was the September 19 deadline?", [], 0, "", api_name="/ask")
The caller keeps the conversation: `history` is a list of {"question", "answer"} objects
(earlier turns, oldest first). The reply is `newsrag.types.to_jsonable(answer)`.

No `from __future__ import annotations` here on purpose: Gradio reads the real type
hints of `ask` to describe the endpoint, and string annotations break its return type.

Deliberately left out: sessions on the server; the API is stateless.
"""

from collections.abc import Callable

import gradio as gr

from newsrag.errors import NewsragError
from newsrag.protocols import AssistantService
from newsrag.settings import Settings
from newsrag.types import Turn, to_jsonable
from ui.options import build_options

MAX_HISTORY_TURNS = 50


def parse_history(history: object) -> tuple[Turn, ...]:
    """[{"question": .., "answer": ..}, ...] -> Turns; anything else is a clear error."""
    if history in (None, ""):
        return ()
    if not isinstance(history, list):
        raise gr.Error(
            f"expected history as a list of {{question, answer}} objects, got {type(history).__name__}",
            print_exception=False,  # the caller's mistake, not a server fault: no traceback in the log
        )
    turns = []
    for i, item in enumerate(history[-MAX_HISTORY_TURNS:]):
        fields_ok = isinstance(item, dict) and all(isinstance(item.get(k), str) for k in ("question", "answer"))
        if not fields_ok:
            raise gr.Error(
                f'expected history[{i}] to be {{"question": str, "answer": str}}, got {item!r:.80}',
                print_exception=False,
            )
        turns.append(Turn(question=item["question"], answer=item["answer"]))
    return tuple(turns)


def make_ask_endpoint(assistant: AssistantService, settings: Settings) -> Callable[..., dict[str, object]]:
    # list[object] and dict[str, object] describe the endpoint to Gradio exactly as bare list and dict did
    def ask(
        question: str,
        history: list[object] | None = None,
        top_k: int = 0,
        answerer: str = "",
        strict: bool = False,
    ) -> dict[str, object]:
        """Answer `question` from the indexed articles; returns the Answer as JSON.

        top_k 0 and answerer "" keep the server's settings; strict drops unsupported sentences.
        """
        turns = parse_history(history)
        try:
            options = build_options(
                settings,
                answerer=answerer or None,
                top_k=top_k or None,
                strict=True if strict else None,
            )
            answer = assistant.ask(question or "", turns, options)
        except NewsragError as exc:
            raise gr.Error(exc.user_text, print_exception=False) from exc
        reply: dict[str, object] = to_jsonable(answer)  # a dataclass becomes a JSON object
        return reply

    return ask
