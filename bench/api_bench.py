"""What the OpenAI-compatible API adds to `Assistant.ask`, and 8 clients x 20 questions through it at once.

Over the seeds indexed with the packaged MiniLM (built once under the temp folder), the
real `Assistant` served by the page's real server (`ui.server.launch`, the API at /v1):

1. **API overhead, precisely**: the same real Answers (asked once, then handed back at
   once by a recording assistant) fetched through `POST /v1/chat/completions` over one
   kept-alive HTTP connection, plain and streamed, against calling that assistant
   directly. The difference is everything the API layer adds to `ask`: HTTP, reading and
   validating the body, the worker thread, shaping the markdown, citations and chunks,
   and the client reading the reply. Target: p50 <= 10 ms.
2. **API overhead, end to end**: the real assistant answering, interleaved direct and
   through HTTP, p50 of each (the difference is within `ask`'s own spread).
3. **8 clients x 20 questions** with follow-ups, each client an `openai.OpenAI` in its own
   thread keeping its own conversation, every other request streamed: errors, latency,
   and leaking. The offline answerer is deterministic, so the same conversations are then
   replayed one client at a time: every concurrent reply must equal its replay, which it
   cannot if any turn of another conversation reached it.

Run: `.venv/bin/python -m bench.api_bench [--rounds 200]`.

Deliberately left out: LLM answers (their latency is the model's) and the MCP server
(the same assistant behind a different protocol; its tools are tested in tests/service/).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from newsrag.offline import configure_offline

configure_offline()

import httpx  # noqa: E402
import openai  # noqa: E402

from bench.query_bench import QUESTIONS, UNSEEN_QUESTIONS, percentile  # noqa: E402
from newsrag.protocols import AssistantService, Embedder  # noqa: E402
from newsrag.settings import Settings  # noqa: E402
from newsrag.types import Answer, Article, AskOptions, IndexStatus, Timeline, Turn  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CLIENTS, TURNS = 8, 20
FOLLOW_UPS = ("What did he say about it?", "When was that?", "Who said that?", "Where did it happen?")


class Recorded(AssistantService):
    """Hands back the Answers the real assistant gave, at once: what is left of a request is the API's."""

    def __init__(self, real: AssistantService, answers: dict[str, Answer]) -> None:
        self.real = real
        self.answers = answers

    @property
    def embedder(self) -> Embedder | None:
        return self.real.embedder

    def ask(self, question: str, history: Sequence[Turn] = (), options: AskOptions | None = None) -> Answer:
        return self.answers[question]

    def stream(self, question: str, history: Sequence[Turn] = (), options: AskOptions | None = None
               ) -> Iterator[str | Answer]:
        yield self.answers[question]

    def example_questions(self, n: int = 4) -> list[str]:
        return self.real.example_questions(n)

    def timeline(self, query: str, options: AskOptions | None = None) -> Timeline:
        return self.real.timeline(query, options)

    def status(self) -> IndexStatus:
        return self.real.status()

    def article(self, article_id: str) -> Article:
        return self.real.article(article_id)

    def refresh(self) -> None:
        self.real.refresh()


def seeds_settings() -> Settings:
    from ui.server import index_if_needed

    root = Path(tempfile.gettempdir()) / "newsrag-bench" / "api-seeds"
    settings = Settings(data_dir=root / "data", host="127.0.0.1", port=0)
    if not (root / "seeds").is_dir():
        shutil.copytree(PROJECT_ROOT / "seeds", root / "seeds")
    index_if_needed(settings, [root / "seeds"], None, quiet=True)
    return settings


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def _post(http: httpx.Client, question: str, stream: bool) -> str:
    body = {"model": "newsrag", "stream": stream, "messages": [{"role": "user", "content": question}]}
    if not stream:
        response = http.post("/chat/completions", json=body)
        response.raise_for_status()
        return str(response.json()["choices"][0]["message"]["content"])
    with http.stream("POST", "/chat/completions", json=body) as response:
        response.raise_for_status()
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    return ""


def _summary(values: list[float]) -> str:
    return f"p50 {statistics.median(values):.2f} ms, p95 {percentile(values, 95):.2f} ms"


def interleaved(settings: Settings, assistant: AssistantService, questions: Sequence[str], rounds: int,
                streamed: bool) -> dict[str, list[float]]:
    """Milliseconds per call, interleaved: the assistant directly, then plain (and streamed) through the API."""
    from ui.server import launch

    server = launch(settings, assistant=assistant, block=False, quiet=True)
    times: dict[str, list[float]] = {"direct": [], "plain": [], "streamed": []}
    try:
        with httpx.Client(base_url=server.url.rstrip("/") + "/v1", timeout=60) as http:
            for q in questions[:5]:
                _post(http, q, False)  # connection and first-request set-up, not counted
            for i in range(rounds):
                q = questions[i % len(questions)]
                t = time.perf_counter()
                assistant.ask(q, (), AskOptions(answerer="offline"))
                times["direct"].append(_ms(t))
                for kind in ("plain", "streamed") if streamed else ("plain",):
                    t = time.perf_counter()
                    _post(http, q, kind == "streamed")
                    times[kind].append(_ms(t))
    finally:
        server.close()
    return times


def overhead(settings: Settings, real: AssistantService, rounds: int) -> None:
    questions = [*QUESTIONS, *UNSEEN_QUESTIONS]
    answers = {q: real.ask(q) for q in questions}  # also warms the model, the index and the caches
    alone = interleaved(settings, Recorded(real, answers), questions, rounds, streamed=True)
    print(f"1. the API layer alone ({rounds} requests each, the real Answers handed back at once):")
    print(f"   assistant.ask directly      {_summary(alone['direct'])}")
    print(f"   POST, plain                 {_summary(alone['plain'])}")
    print(f"   POST, streamed (to [DONE])  {_summary(alone['streamed'])}")
    added = statistics.median(alone["plain"]) - statistics.median(alone["direct"])
    added_stream = statistics.median(alone["streamed"]) - statistics.median(alone["direct"])
    print(f"   => the API adds p50 {added:.2f} ms plain, {added_stream:.2f} ms streamed (target <= 10 ms): "
          f"{'PASS' if max(added, added_stream) <= 10 else 'FAIL'}")

    real_times = interleaved(settings, real, questions, rounds // 2, streamed=False)
    ask_ms, http_ms = real_times["direct"], real_times["plain"]
    print(f"2. end to end with the real assistant answering ({rounds // 2} each, interleaved):")
    print(f"   Assistant.ask directly      {_summary(ask_ms)}")
    print(f"   POST, plain                 {_summary(http_ms)}")
    print(f"   => ratio of p50s {statistics.median(http_ms) / statistics.median(ask_ms):.3f}, difference "
          f"{statistics.median(http_ms) - statistics.median(ask_ms):.2f} ms")


def conversation_question(client: int, turn: int) -> str:
    if turn % 2 == 0:
        return QUESTIONS[(client * 3 + turn // 2) % len(QUESTIONS)]
    return FOLLOW_UPS[(client + turn // 2) % len(FOLLOW_UPS)]


def converse(base_url: str, client_id: int, replies: dict[tuple[int, int], str], latencies: list[float],
             errors: list[str]) -> None:
    client = openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=120)
    messages: list[dict[str, str]] = []
    for turn in range(TURNS):
        messages.append({"role": "user", "content": conversation_question(client_id, turn)})
        t = time.perf_counter()
        try:
            if turn % 2:
                chunks = list(client.chat.completions.create(model="newsrag", messages=messages, stream=True))
                content = "".join(c.choices[0].delta.content or "" for c in chunks)
            else:
                reply = client.chat.completions.create(model="newsrag", messages=messages)
                content = reply.choices[0].message.content or ""
        except Exception as exc:  # counted, and the conversation ends: its history would be wrong
            errors.append(f"client {client_id} turn {turn}: {type(exc).__name__}: {exc}")
            return
        latencies.append(_ms(t))
        replies[(client_id, turn)] = content
        messages.append({"role": "assistant", "content": content})


def concurrent_run(settings: Settings, real: AssistantService) -> None:
    from ui.server import launch

    server = launch(settings, assistant=real, block=False, quiet=True)
    base_url = server.url.rstrip("/") + "/v1"
    try:
        together: dict[tuple[int, int], str] = {}
        latencies: list[float] = []
        errors: list[str] = []
        threads = [threading.Thread(target=converse, args=(base_url, i, together, latencies, errors))
                   for i in range(CLIENTS)]
        t = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - t
        alone: dict[tuple[int, int], str] = {}
        replay_errors: list[str] = []
        for i in range(CLIENTS):  # the same conversations, one client at a time
            converse(base_url, i, alone, [], replay_errors)
    finally:
        server.close()
    differing = sorted(key for key in alone if together.get(key) != alone[key])
    print(f"3. {CLIENTS} clients x {TURNS} questions with follow-ups at once ({len(latencies)} replies in "
          f"{wall:.1f} s, every other one streamed): {len(errors)} errors; latency {_summary(latencies)}")
    for error in errors[:5]:
        print(f"   {error}")
    print(f"   replayed one client at a time: {len(alone)} replies, {len(replay_errors)} errors; "
          f"{len(differing)} concurrent replies differ from their replay"
          + (f", e.g. client {differing[0][0]} turn {differing[0][1]}" if differing else " (no leaking)"))
    ok = not errors and not replay_errors and not differing and len(together) == CLIENTS * TURNS
    print(f"   => {'PASS' if ok else 'FAIL'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="requests per overhead measurement")
    args = parser.parse_args(argv)
    from rag.assistant import Assistant

    settings = seeds_settings()
    real = Assistant.from_settings(settings)
    overhead(settings, real, args.rounds)
    concurrent_run(settings, real)


if __name__ == "__main__":
    main()
