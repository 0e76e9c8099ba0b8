"""`newsrag ask`: one question, or a JSONL batch of them, answered from the index.

A batch line is `{"id": ..., "question": ..., "history": [[q, a], ...]}` (history
optional); each is answered in this one process and printed as it is done, with its id.
A line that cannot be read, or a question that fails, becomes `{"id": ..., "error": ...}`
and the exit code 1; the other lines are still answered.

Deliberately left out: rendering (cli/answer_text.py) and answering (rag/assistant.py).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cli.answer_text import format_answer
from cli.options import add_answering, add_filters, add_index_location, add_json_output, ask_options, settings_from
from newsrag.errors import InputError, NewsragError
from newsrag.types import Turn


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("ask", help="answer one question, or a JSONL batch")
    p.add_argument("question", nargs="*")
    add_json_output(p, "the Answer")
    p.add_argument("--batch", type=Path, metavar="FILE",
                   help='JSONL file: {"id": ..., "question": ..., "history": [[q, a], ...]} per line')
    add_index_location(p)
    add_answering(p)
    add_filters(p)
    p.set_defaults(run=run)


@dataclass(frozen=True)
class BatchLine:
    """One non-empty line of a batch file: a question to answer, or why it cannot be."""

    number: int  # 1-based line number in the file
    id: object  # the record's "id" as given (echoed back); the line number when it has none
    question: str | None  # None when the line is unusable (then `error` says why)
    history: tuple[Turn, ...] = ()
    error: str | None = None


def read_batch(path: Path) -> Iterator[BatchLine]:
    """The batch file's lines; InputError when the file itself cannot be read."""
    if not path.is_file():
        raise InputError(f"expected a JSONL file of questions, got no file at {path}", fix="check the path")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(f"expected a UTF-8 JSONL file, got undecodable bytes at offset {exc.start} of {path}",
                         fix="save the file as UTF-8") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BatchLine(n, None, None, error=f"line {n}: expected a JSON object, got malformed JSON ({exc.msg})")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("question"), str):
            yield BatchLine(n, None, None,
                            error=f'line {n}: expected {{"id": ..., "question": "..."}}, got {line.strip()[:80]!r}')
            continue
        history = _history(record.get("history") or [])
        if history is None:
            yield BatchLine(n, record.get("id"), None, error=f"line {n}: expected history as [[question, answer], ...]")
            continue
        yield BatchLine(n, record.get("id", n), record["question"], history)


def _history(pairs: object) -> tuple[Turn, ...] | None:
    """[[question, answer], ...] as Turns; None when it is anything else."""
    if not isinstance(pairs, list):
        return None
    turns = []
    for pair in pairs:
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            return None
        turns.append(Turn(question=pair[0], answer=pair[1]))
    return tuple(turns)


def run(args: argparse.Namespace) -> int:
    from newsrag.types import to_jsonable
    from rag.assistant import Assistant

    settings = settings_from(args)
    options = ask_options(args)
    if args.batch:
        failures = 0
        assistant = Assistant.from_settings(settings)
        for line in read_batch(args.batch):
            error = line.error
            out: dict[str, object] = {}
            if line.question is not None:
                try:
                    out = to_jsonable(assistant.ask(line.question, line.history, options))
                except NewsragError as exc:
                    error = exc.user_text
            if error is not None:
                failures += 1
                out = {"error": error}
            out = {"id": line.id, **out}
            if args.json:
                print(json.dumps(out, ensure_ascii=False), flush=True)
            else:
                print(f"## {line.id}: {line.question}\n{out.get('error') or out.get('text')}\n", flush=True)
        return 1 if failures else 0
    if not args.question:
        raise InputError("expected a question, got none", fix='newsrag ask "What was the September 19 deadline?"')
    answer = Assistant.from_settings(settings).ask(" ".join(args.question), (), options)
    if args.json:
        print(json.dumps(to_jsonable(answer), ensure_ascii=False, indent=2))
    else:
        print(format_answer(answer))
    return 0
