"""`newsrag` command line: index, status, ask, chat, serve, eval.

The edge of the program: it builds the one Settings object from flags and environment,
calls into `index/`, `rag/`, `ui/` and `evals/`, and is (with the UI) the only place
that turns `NewsragError`s into user text. Heavy imports happen inside each command so
`newsrag --help` and `newsrag status` stay fast.

Deliberately left out: any retrieval, answering or indexing logic.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from newsrag.errors import InputError, NewsragError
from newsrag.offline import configure_offline


def _settings_from(args: argparse.Namespace):
    from newsrag.settings import load_settings

    return load_settings(
        data_dir=getattr(args, "data_dir", None),
        chroma_url=getattr(args, "chroma_url", None),
        embedding_model=getattr(args, "embedding_model", None),
        answerer=getattr(args, "answerer", None),
        llm_base_url=getattr(args, "llm_base_url", None),
        llm_model=getattr(args, "llm_model", None),
        llm_gguf_path=getattr(args, "llm_gguf", None),
        top_k=getattr(args, "top_k", None),
        strict=True if getattr(args, "strict", False) else None,
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        auth=getattr(args, "auth", None),
    )


def _default_paths(paths: Sequence[str]) -> list[Path]:
    if paths:
        return [Path(p) for p in paths]
    seeds = Path("seeds")
    if seeds.is_dir():
        return [seeds]
    raise InputError("expected at least one file or folder to index, got none", fix="newsrag index PATH [PATH ...]")


class _ProgressBar:
    """A one-line progress bar on a terminal; silent when stderr is not a TTY."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, progress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.1 and progress.done < progress.total:
            return
        self.last = now
        total = max(progress.total, 1)
        width = 30
        filled = int(width * min(progress.done, total) / total)
        bar = "#" * filled + "-" * (width - filled)
        msg = (progress.message or "")[:40]
        sys.stderr.write(f"\r{progress.stage:<10} [{bar}] {progress.done}/{progress.total} {msg:<40}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _print_problems(report) -> None:
    for problem in report.problems:
        print(f"  skipped {problem.path}: {problem.message}", file=sys.stderr)


def cmd_index(args: argparse.Namespace) -> int:
    from index.pipeline import Indexer

    settings = _settings_from(args)
    paths = _default_paths(args.paths)
    bar = _ProgressBar()
    try:
        report = Indexer.from_settings(settings).index(paths, progress=bar, rebuild=args.rebuild)
    finally:
        bar.close()
    print(
        f"articles: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.removed} removed; chunks: {report.chunks_total} total, {report.chunks_embedded} embedded; "
        f"{report.seconds:.1f} s"
    )
    _print_problems(report)
    return 0 if not report.problems or (report.added + report.updated + report.unchanged) else 1


def cmd_status(args: argparse.Namespace) -> int:
    from index.store import read_status
    from newsrag.types import to_jsonable

    status = read_status(_settings_from(args))
    if args.json:
        print(json.dumps(to_jsonable(status), indent=2))
        return 0
    last = status.last_indexed.isoformat(timespec="seconds") if status.last_indexed else "never"
    print(f"articles:        {status.articles}")
    print(f"chunks:          {status.chunks}")
    print(f"embedding model: {status.embedding_model}")
    print(f"index location:  {status.location}")
    print(f"last indexed:    {last}")
    return 0


def _ask_options(args: argparse.Namespace):
    import datetime as dt

    from newsrag.types import AskOptions, SearchFilter

    def day(value: str | None, flag: str):
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise InputError(f"expected {flag} as YYYY-MM-DD, got {value!r}", fix=f"e.g. {flag} 2023-09-01") from None

    flt = SearchFilter(
        sources=tuple(args.source or ()),
        title_words=tuple(args.title or ()),
        date_from=day(args.since, "--since"),
        date_to=day(args.until, "--until"),
    )
    return AskOptions(top_k=args.top_k, strict=True if args.strict else None, filter=flt)


def format_answer(answer) -> str:
    """Plain-text rendering: the answer, unsupported sentences flagged, numbered sources."""
    lines = []
    if answer.refused:
        lines.append(answer.text)
        if answer.passages:
            lines.append("\nClosest passages (check them yourself):")
            for p in answer.passages[:3]:
                snippet = " ".join(p.chunk.text.split())[:200]
                lines.append(f"  - {p.chunk.title} ({Path(p.chunk.source_path).name}): {snippet}")
    else:
        if answer.short:
            lines.append(f"Answer: {answer.short}")
        lines.append(answer.text)
        flagged = [s for s in answer.sentences if not s.check.supported]
        for s in flagged:
            why = "; ".join(s.check.reasons) or "not supported by its citations"
            lines.append(f"  ! unsupported: {s.text} ({why})")
        if answer.citations:
            lines.append("\nSources:")
            for c in answer.citations:
                where = ", ".join(x for x in (c.source, c.dateline) if x)
                head = f"[{c.number}] {c.title}" + (f" — {where}" if where else "") + f" ({Path(c.source_path).name})"
                lines.append(head)
                lines.append(f'    "{c.quote}"')
    for note in answer.notes:
        lines.append(f"(note: {note})")
    return "\n".join(lines)


def _read_batch(path: Path):
    """Yields (line number, id, question, history-as-Turns | None, error | None)."""
    from newsrag.types import Turn

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
            yield n, None, None, None, f"line {n}: expected a JSON object, got malformed JSON ({exc.msg})"
            continue
        if not isinstance(record, dict) or not isinstance(record.get("question"), str):
            yield n, None, None, None, f'line {n}: expected {{"id": ..., "question": "..."}}, got {line.strip()[:80]!r}'
            continue
        history = []
        for pair in record.get("history") or []:
            if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
                history = None
                break
            history.append(Turn(question=pair[0], answer=pair[1]))
        if history is None:
            yield n, record.get("id"), None, None, f"line {n}: expected history as [[question, answer], ...]"
            continue
        yield n, record.get("id", n), record["question"], history, None


def cmd_ask(args: argparse.Namespace) -> int:
    from newsrag.types import to_jsonable
    from rag.assistant import Assistant

    settings = _settings_from(args)
    options = _ask_options(args)
    if args.batch:
        failures = 0
        assistant = Assistant.from_settings(settings)
        for _n, qid, question, history, error in _read_batch(Path(args.batch)):
            if error is None:
                try:
                    out = to_jsonable(assistant.ask(question, history, options))
                except NewsragError as exc:
                    error = exc.user_text
            if error is not None:
                failures += 1
                out = {"error": error}
            out = {"id": qid, **out}
            if args.json:
                print(json.dumps(out, ensure_ascii=False), flush=True)
            else:
                print(f"## {qid}: {question}\n{out.get('error') or out.get('text')}\n", flush=True)
        return 1 if failures else 0
    if not args.question:
        raise InputError("expected a question, got none", fix='newsrag ask "What was the September 19 deadline?"')
    question = " ".join(args.question)
    assistant = Assistant.from_settings(settings)
    answer = assistant.ask(question, (), options)
    if args.json:
        print(json.dumps(to_jsonable(answer), ensure_ascii=False, indent=2))
    else:
        print(format_answer(answer))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from rag.assistant import Assistant
    from rag.conversation import ChatSession

    settings = _settings_from(args)
    session = ChatSession(Assistant.from_settings(settings))
    options = _ask_options(args)
    print("Ask about the indexed articles. Follow-ups work. Commands: /new (new chat), /quit.")
    while True:
        try:
            question = input("\nyou> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question in ("/quit", "/exit"):
            return 0
        if question == "/new":
            session.reset()
            print("(new conversation)")
            continue
        if not question:
            continue
        try:
            answer = session.ask(question, options)
        except NewsragError as exc:
            print(f"error: {exc.user_text}")
            continue
        if answer.query != question:
            print(f"(searched: {answer.query})")
        print(format_answer(answer))


def cmd_serve(args: argparse.Namespace) -> int:
    from ui.server import launch

    settings = _settings_from(args)
    paths = [Path(p) for p in args.index] if args.index else None
    launch(settings, index_paths=paths, block=True)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from evals.runner import main_eval

    return main_eval(args, _settings_from(args))


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path, help="index folder (env NEWSRAG_DATA_DIR; default ./data)")
    p.add_argument("--chroma-url", help="use a Chroma server instead of the embedded store (env NEWSRAG_CHROMA_URL)")
    p.add_argument("--embedding-model", help="sentence-transformers name or path (env NEWSRAG_EMBEDDING_MODEL)")


def _add_answering(p: argparse.ArgumentParser) -> None:
    p.add_argument("--answerer", choices=["offline", "openai", "llamacpp"], help="default offline (env NEWSRAG_ANSWERER)")
    p.add_argument("--llm-base-url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1")
    p.add_argument("--llm-model", help="model name at that endpoint")
    p.add_argument("--llm-gguf", type=Path, help="in-process llama.cpp model file (needs the [llm] extra)")
    p.add_argument("--top-k", type=int, help="passages per answer (default 6)")
    p.add_argument("--strict", action="store_true", help="drop sentences that fail the support check")
    p.add_argument("--source", action="append", help="only articles from this outlet/file (repeatable)")
    p.add_argument("--title", action="append", help="only articles whose title has this word (repeatable)")
    p.add_argument("--since", help="only articles published on/after YYYY-MM-DD")
    p.add_argument("--until", help="only articles published on/before YYYY-MM-DD")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsrag", description="Grounded, cited answers from a folder of news articles.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="index files or folders (.txt .md .html .json .jsonl)")
    p.add_argument("paths", nargs="*", help="files or folders (default: ./seeds)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and rebuild (e.g. after changing the model)")
    _add_common(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("status", help="what is indexed")
    p.add_argument("--json", action="store_true")
    _add_common(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("ask", help="answer one question, or a JSONL batch")
    p.add_argument("question", nargs="*")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.add_argument("--batch", help='JSONL file: {"id": ..., "question": ..., "history": [[q, a], ...]} per line')
    _add_common(p)
    _add_answering(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="interactive conversation in the terminal")
    _add_common(p)
    _add_answering(p)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("serve", help="the browser chat (Gradio)")
    p.add_argument("--index", nargs="*", help="index these paths first if new or changed")
    p.add_argument("--host", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 7860; 0 = any free port)")
    p.add_argument("--auth", help="basic auth user:password (env NEWSRAG_AUTH)")
    _add_common(p)
    _add_answering(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("eval", help="run the evaluation suite and write reports")
    p.add_argument("--questions", type=Path, help="gold set JSONL (default evals/seeds_qa.jsonl)")
    p.add_argument("--articles", type=Path, help="articles the questions are about (default seeds/)")
    p.add_argument("--config", action="append", help="configuration(s) to run (default: all)")
    p.add_argument("--out", type=Path, help="report folder (default reports/eval-<time>)")
    p.add_argument("--judge", action="store_true", help="also use the configured LLM as a judge")
    p.add_argument("--include-drafts", action="store_true", help="allow generated draft questions")
    p.add_argument("--generate", type=Path, help="write draft questions from the index to this file and exit")
    _add_common(p)
    _add_answering(p)
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    configure_offline()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except NewsragError as exc:
        print(f"error: {exc.user_text}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so briefly; the traceback only on request
        if os.environ.get("NEWSRAG_DEBUG"):
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {exc} (set NEWSRAG_DEBUG=1 for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
