"""Load: many users at once on the real server, while new articles are being indexed.

The real stack end to end: `ui.server.launch` on 127.0.0.1 and a free port, the real
Assistant over an on-disk Chroma index of seeds/ built with the packaged MiniLM, and
every user a `gradio_client.Client` of its own calling `/ask` over HTTP. The API is
stateless, so each user keeps its own history (`[{"question", "answer"}, ...]` built
from the answers *it* received) and sends it with every question, as `ui/api.py` says.

Each user follows a different person through follow-ups ("Who is Iraq's Foreign
Minister?" then "What did he declare?"). The follow-up's standalone query (`query` in
the reply) must name that user's person and nobody else's: an answer or a history
crossing over between users would make some follow-up resolve "he" to the wrong
person. Every reply must also echo the question its user sent.

While the users ask, a thread indexes new articles through the upload handler the
page uses (`ChatHandlers.upload`: save into data_dir/uploads, index, `refresh()`).
Queries must keep answering during it, and once it finishes a question only the new
article can answer is answered from it.

`test_load_8_users_20_questions` (slow, `make test-long`) is the full run and prints
and writes latencies to artifacts/load_test.json; `test_load_mechanism_fast` is the
same mechanism at 3 users x 4 questions for `make test`.
"""

from __future__ import annotations

import json
import shutil
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from newsrag.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = PROJECT_ROOT / "seeds"
ARTIFACTS = PROJECT_ROOT / "artifacts"


@dataclass(frozen=True)
class Persona:
    """One user's person: how to ask for them, the follow-ups, and the name that marks them."""

    marker: str  # must be in each follow-up's standalone query, and in no other user's
    who: str
    follow_ups: tuple[str, ...]


PERSONAS = (
    Persona("Sadeq", "Who is Iran's ambassador to Baghdad?",
            ("What did he say about a ground operation?", "What did he say about the Kurdistan Region?")),
    Persona("Heidari", "Who is the deputy commander of Iran's ground forces?",
            ("What did he say about the artillery units?", "What did he tell the Islamic Republic News Agency?")),
    Persona("Pakpour", "Who is the Commander of the Islamic Revolution Guard Corps Ground Forces?",
            ("What did he announce?", "What did he say about separatist groups?")),
    Persona("Fuad Hussein", "Who is Iraq's Foreign Minister?",
            ("What did he declare?", "When did he say the terms were in effect?")),
    Persona("Shammari", "Who is the Iraqi Interior Minister?",
            ("What did he praise?", "What does he say Iraq prioritizes?")),
    Persona("Abbasi", "Who is Iraq's Defense Minister?",
            ("What did he talk about?", "Who did he meet?")),
    Persona("Obama", "Who is the U.S. President?",
            ("What did he say about Iran?", "What does he not oppose?")),
    Persona("Pourdastan", "Who said Iran would attack deep into Iraqi territory?",
            ("What did he stress?", "What did he tell IRNA?")),
)

# Questions that stand alone; each user cycles through them from its own offset.
STANDALONE = (
    "What was the September 19 deadline?",
    "How long is the border between Iran and Iraq?",
    "What happened at the Beiji refinery?",
    "When did Iran and Iraq sign a security deal?",
    "What did the Financial Times report about a ground operation?",
    "How far from the border did Iran tell ISIL to stay?",
    "What was the October 3 deadline?",  # unanswerable: a refusal is a correct answer too
    "Why did Iran end its border mission?",
)

# The article indexed while users ask: a fact no seed states, so only it can answer.
NEW_ARTICLE_NAME = "caspian_desalination_plant.txt"
NEW_ARTICLE = """Iran opens Caspian desalination plant in Golestan
GORGAN (Dispatches) -- Iran opened the Bandar Torkaman desalination plant on the Caspian coast on February 12, \
Energy Minister Farhad Rostamkhani said.
The plant will supply 48,000 cubic meters of drinking water a day to towns in Golestan province, Rostamkhani told \
reporters at the opening ceremony.
Construction of the Bandar Torkaman plant took three years and cost about 110 million dollars, according to the \
provincial water company.
Rostamkhani said a second desalination unit on the Caspian coast would be built near Bandar Anzali by 2027.
"""
NEW_QUESTION = "When did Iran open the Bandar Torkaman desalination plant?"
NEW_FACT = "February 12"


def user_script(user: int, n_questions: int) -> list[tuple[str, bool]]:
    """(question, is_follow_up) x n: blocks of who -> follow-up -> follow-up -> 2 standalone."""
    persona = PERSONAS[user % len(PERSONAS)]
    out: list[tuple[str, bool]] = []
    block = 0
    while len(out) < n_questions:
        out.append((persona.who, False))
        out.extend((q, True) for q in persona.follow_ups)
        out.extend((STANDALONE[(user + 2 * block + i) % len(STANDALONE)], False) for i in range(2))
        block += 1
    return out[:n_questions]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


@dataclass
class Call:
    user: int
    question: str
    follow_up: bool
    started: float
    ended: float
    reply: dict | None = None
    error: str | None = None

    @property
    def ms(self) -> float:
        return (self.ended - self.started) * 1000


@dataclass
class LoadRun:
    calls: list[Call] = field(default_factory=list)
    index_started: float | None = None
    index_ended: float | None = None
    index_error: str | None = None
    index_reports: list = field(default_factory=list)
    new_before: dict | None = None
    new_after: dict | None = None
    wall_s: float = 0.0


_TOWNS = ("Gorgan", "Gonbad-e Kavus", "Aliabad", "Kordkuy", "Minudasht", "Azadshahr", "Ramian", "Galikash")
_WORKS = ("a water treatment line", "a pumping station", "a reservoir", "a pipeline to the coast",
          "a storage tank", "a filtration unit", "a distribution network", "a rainwater basin")
_MONTHS = ("January", "March", "April", "June", "July", "August", "October", "December")


def filler_article(i: int) -> str:
    """A made-up local water-works story: indexing work that shares no person with the seeds.

    (Shuffled seed sentences, as bench/corpus.py makes, would put two officials side by
    side and change what a seed follow-up resolves "he" to; that is not what this tests.)
    """
    town, work = _TOWNS[i % len(_TOWNS)], _WORKS[(i * 3) % len(_WORKS)]
    month, n = _MONTHS[(i * 5) % len(_MONTHS)], 12 + (i * 7) % 80
    lines = [f"{town} water board report {i}: {work} approved", f"GORGAN (Dispatches) -- The {town} water board "
             f"approved {work} worth {n} million rials at its {month} session, the board's minutes show."]
    for j in range(6):
        other = _TOWNS[(i + j + 1) % len(_TOWNS)]
        lines.append(f"Engineers said the work in {town} would connect {n + j} villages near {other} and that "
                     f"tenders for {_WORKS[(i + j) % len(_WORKS)]} would open in {_MONTHS[(i + j) % len(_MONTHS)]}. "
                     f"Farmers in {other} asked the board to publish water quotas for the {j + 2} dry months.")
    return "\n".join(lines) + "\n"


def _write_new_articles(folder: Path, n_filler: int) -> list[Path]:
    """The fact-bearing article plus n filler ones, to make indexing take a while."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / NEW_ARTICLE_NAME]
    paths[0].write_text(NEW_ARTICLE, encoding="utf-8")
    for i in range(n_filler):
        path = folder / f"water_board_{i:03d}.txt"
        path.write_text(filler_article(i), encoding="utf-8")
        paths.append(path)
    return paths


def run_load(root: Path, users: int, questions: int, n_filler: int, start_index_after: int) -> LoadRun:
    """Serve seeds, drive `users` clients x `questions`, index new articles mid-run."""
    from gradio_client import Client

    from ui.handlers import ChatHandlers, default_index_files
    from ui.server import launch

    seeds = root / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    settings = Settings(data_dir=root / "data", host="127.0.0.1", port=0)
    server = launch(settings, index_paths=[seeds], block=False, quiet=True)
    run = LoadRun()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        probe = Client(server.url, verbose=False)
        run.new_before = probe.predict(NEW_QUESTION, [], 0, "", False, api_name="/ask")

        new_files = _write_new_articles(root / "incoming", n_filler)
        real_index_files = default_index_files(settings, server.assistant)

        def index_files(paths, progress):
            report = real_index_files(paths, progress)
            run.index_reports.append(report)
            return report

        handlers = ChatHandlers(server.assistant, settings, index_files=index_files)
        answered = threading.Semaphore(0)
        lock = threading.Lock()

        def indexer() -> None:
            for _ in range(start_index_after):  # let the users get going first
                answered.acquire()
            run.index_started = time.perf_counter()
            try:
                handlers.upload([str(p) for p in new_files], progress=None)
            except Exception as exc:  # recorded and asserted on, not swallowed
                run.index_error = f"{type(exc).__name__}: {exc}"
            run.index_ended = time.perf_counter()

        def user(u: int) -> None:
            client = Client(server.url, verbose=False)
            history: list[dict[str, str]] = []
            for question, follow_up in user_script(u, questions):
                call = Call(u, question, follow_up, time.perf_counter(), 0.0)
                try:
                    call.reply = client.predict(question, history, 0, "", False, api_name="/ask")
                    history.append({"question": question, "answer": call.reply["text"]})
                except Exception as exc:
                    call.error = f"{type(exc).__name__}: {exc}"
                call.ended = time.perf_counter()
                with lock:
                    run.calls.append(call)
                answered.release()

        started = time.perf_counter()
        threads = [threading.Thread(target=user, args=(u,), name=f"load-user-{u}") for u in range(users)]
        index_thread = threading.Thread(target=indexer, name="load-indexer")
        for t in [*threads, index_thread]:
            t.start()
        for t in threads:
            t.join(timeout=900)
        for _ in range(start_index_after):  # the indexer never waits on users that are done
            answered.release()
        index_thread.join(timeout=900)
        run.wall_s = time.perf_counter() - started
        assert not any(t.is_alive() for t in [*threads, index_thread]), "a user or the indexer hung"
        run.new_after = probe.predict(NEW_QUESTION, [], 0, "", False, api_name="/ask")
    finally:
        server.close()
    return run


def summarize(run: LoadRun, users: int, questions: int) -> dict:
    ok = [c for c in run.calls if c.error is None]
    client_ms = [c.ms for c in ok]
    server_ms = [t["ms"] for c in ok for t in c.reply["timings"] if t["stage"] == "total"]
    during = [c for c in ok if run.index_started is not None and run.index_ended is not None
              and c.ended > run.index_started and c.started < run.index_ended]
    return {
        "users": users,
        "questions_per_user": questions,
        "requests": len(run.calls),
        "errors": len(run.calls) - len(ok),
        "follow_ups": sum(c.follow_up for c in run.calls),
        "refused": sum(bool(c.reply["refused"]) for c in ok),
        "client_p50_ms": round(percentile(client_ms, 50), 1) if ok else None,
        "client_p95_ms": round(percentile(client_ms, 95), 1) if ok else None,
        "client_max_ms": round(max(client_ms), 1) if ok else None,
        "server_p50_ms": round(percentile(server_ms, 50), 1) if server_ms else None,
        "server_p95_ms": round(percentile(server_ms, 95), 1) if server_ms else None,
        "server_mean_ms": round(statistics.fmean(server_ms), 1) if server_ms else None,
        "throughput_qps": round(len(ok) / run.wall_s, 2) if run.wall_s else None,
        "wall_s": round(run.wall_s, 1),
        "indexing_s": round(run.index_ended - run.index_started, 1) if run.index_started and run.index_ended else None,
        "indexed_chunks": sum(r.chunks_embedded for r in run.index_reports),
        "answered_during_indexing": len(during),
        "note": "client = wall time of Client.predict (HTTP + queue wait, server concurrency 2); "
                "server = Answer timings 'total' (Assistant.ask only)",
    }


def check_run(run: LoadRun, users: int, questions: int, summary: dict) -> None:
    errors = [f"user {c.user} {c.question!r}: {c.error}" for c in run.calls if c.error]
    assert not errors, f"{len(errors)} errors, e.g. {errors[:3]}"
    assert len(run.calls) == users * questions
    assert run.index_error is None, run.index_error
    assert run.index_reports and run.index_reports[0].added >= 1, "the upload was not indexed"
    assert summary["answered_during_indexing"] >= 1, "no question was answered while indexing ran"

    markers = {PERSONAS[u % len(PERSONAS)].marker for u in range(users)}
    crossed = []
    for c in run.calls:
        assert c.reply["question"] == c.question, f"user {c.user} got the answer to {c.reply['question']!r}"
        own = PERSONAS[c.user % len(PERSONAS)].marker
        if c.follow_up:
            query = c.reply["query"]
            others = [m for m in markers - {own} if m.lower() in query.lower()]
            if own.lower() not in query.lower() or others:
                crossed.append(f"user {c.user} ({own}) {c.question!r} -> query {query!r}")
        elif c.question == PERSONAS[c.user % len(PERSONAS)].who and own.lower() not in c.reply["text"].lower():
            crossed.append(f"user {c.user} ({own}) {c.question!r} -> {c.reply['text'][:120]!r}")
    assert not crossed, "answers without their own conversation's context:\n" + "\n".join(crossed)

    before, after = run.new_before, run.new_after
    assert not any(NEW_ARTICLE_NAME in cit["source_path"] for cit in before["citations"])
    assert after["refused"] is False, after["text"]
    assert NEW_FACT in after["text"]
    assert any(NEW_ARTICLE_NAME in cit["source_path"] and NEW_FACT in cit["quote"] for cit in after["citations"])


def report(run: LoadRun, summary: dict, name: str) -> None:
    """Print the numbers; write them, and every call (for a failure's post-mortem), under artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    with (ARTIFACTS / name.replace(".json", "_calls.jsonl")).open("w", encoding="utf-8") as f:
        for c in sorted(run.calls, key=lambda c: (c.user, c.started)):
            reply = c.reply or {}
            f.write(json.dumps({
                "user": c.user, "question": c.question, "follow_up": c.follow_up, "ms": round(c.ms, 1),
                "during_indexing": bool(run.index_started and run.index_ended
                                        and c.ended > run.index_started and c.started < run.index_ended),
                "error": c.error, "query": reply.get("query"), "refused": reply.get("refused"),
                "answer": reply.get("text"),
                "cited": sorted({Path(x["source_path"]).name for x in reply.get("citations", [])}),
            }) + "\n")
    print(f"\nload: {summary['users']} users x {summary['questions_per_user']} questions, "
          f"{summary['errors']} errors; client p50 {summary['client_p50_ms']} ms, p95 {summary['client_p95_ms']} ms; "
          f"server p50 {summary['server_p50_ms']} ms, p95 {summary['server_p95_ms']} ms; "
          f"{summary['answered_during_indexing']} answered while indexing {summary['indexed_chunks']} chunks "
          f"({summary['indexing_s']} s) -> artifacts/{name}")


@pytest.mark.slow
def test_load_8_users_20_questions(tmp_path: Path):
    users, questions = 8, 20
    run = run_load(tmp_path, users, questions, n_filler=40, start_index_after=2 * users)
    summary = summarize(run, users, questions)
    report(run, summary, "load_test.json")
    check_run(run, users, questions, summary)


def test_load_mechanism_fast(tmp_path: Path):
    users, questions = 3, 4
    run = run_load(tmp_path, users, questions, n_filler=2, start_index_after=2)
    summary = summarize(run, users, questions)
    report(run, summary, "load_test_fast.json")
    check_run(run, users, questions, summary)
