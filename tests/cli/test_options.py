"""The command line's parsers without an index: each flag defined once, flags -> Settings, AskOptions,
EvalRequest, batch lines. (`test_cli.py` runs the commands end to end on a real index.)"""

from __future__ import annotations

import ast
import datetime as dt
import json
from pathlib import Path

import pytest

from cli.ask import BatchLine, read_batch
from cli.main import build_parser, main
from cli.options import ask_options, settings_from
from newsrag.errors import InputError
from newsrag.types import Turn

ROOT = Path(__file__).resolve().parents[2]


def _flags_declared(path: Path) -> list[str]:
    """The "--flag" strings a module passes to add_argument / add_setting."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name)):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if name in ("add_argument", "add_setting"):
                found += [a.value for a in node.args
                          if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.startswith("--")]
    return found


def test_each_flag_is_defined_once_and_only_in_the_cli():
    flags = [flag for path in sorted((ROOT / "cli").glob("*.py")) for flag in _flags_declared(path)]
    assert "--top-k" in flags and "--questions" in flags and "--host" in flags
    assert sorted({f for f in flags if flags.count(f) > 1}) == []
    for path in [*sorted((ROOT / "ui").glob("*.py")), ROOT / "evals" / "runner.py"]:
        assert _flags_declared(path) == [], f"{path.relative_to(ROOT)} declares its own flags"


def test_setting_flags_override_the_environment_only_when_given(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSRAG_TOP_K", "9")
    monkeypatch.setenv("NEWSRAG_LLM_MODEL", "from-env")
    args = build_parser().parse_args(["ask", "q", "--data-dir", str(tmp_path), "--llm-gguf", "m.gguf", "--strict"])
    settings = settings_from(args)
    assert settings.top_k == 9 and settings.llm_model == "from-env"  # not given: the environment's
    assert settings.data_dir == tmp_path and settings.llm_gguf_path == Path("m.gguf") and settings.strict
    args = build_parser().parse_args(["ask", "q", "--top-k", "3", "--answerer", "openai", "--llm-model", "m"])
    settings = settings_from(args)
    assert (settings.top_k, settings.answerer, settings.llm_model) == (3, "openai", "m")
    assert not settings_from(build_parser().parse_args(["status"])).strict


def test_server_flags_are_settings_of_serve_alone(tmp_path):
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "0", "--auth", "u:p",
                                      "--index", "seeds", "--data-dir", str(tmp_path)])
    settings = settings_from(args)
    assert (settings.host, settings.port, settings.auth, args.index) == ("0.0.0.0", 0, "u:p", [Path("seeds")])
    for command in (["ask", "q"], ["status"], ["eval"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args([*command, "--host", "0.0.0.0"])


def test_filters_belong_to_ask_and_chat():
    args = build_parser().parse_args(["chat", "--source", "Tehran Times", "--source", "x.txt", "--title", "deal",
                                      "--since", "2023-09-01", "--until", "2023-12-31", "--top-k", "4"])
    options = ask_options(args)
    assert options.filter.sources == ("Tehran Times", "x.txt") and options.filter.title_words == ("deal",)
    assert (options.filter.date_from, options.filter.date_to) == (dt.date(2023, 9, 1), dt.date(2023, 12, 31))
    assert options.top_k == 4 and options.strict is None
    for command in (["serve"], ["eval"], ["status"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args([*command, "--source", "x"])
    with pytest.raises(InputError, match="--until"):
        ask_options(build_parser().parse_args(["ask", "q", "--until", "soon"]))


def test_eval_flags_become_one_eval_request(monkeypatch, tmp_path):
    import evals.runner

    seen = []

    def run_eval_command(request, settings):
        seen.append((request, settings))
        return 0

    monkeypatch.setattr(evals.runner, "run_eval_command", run_eval_command)
    argv = ["eval", "--questions", "q.jsonl", "--articles", "arts", "--config", "dense", "--config", "hybrid",
            "--out", "out", "--judge", "--include-drafts", "--data-dir", str(tmp_path), "--top-k", "2"]
    assert main(argv) == 0
    [(request, settings)] = seen
    assert request == evals.runner.EvalRequest(questions=Path("q.jsonl"), articles=Path("arts"),
                                               configs=("dense", "hybrid"), out=Path("out"), judge=True,
                                               include_drafts=True, generate=None)
    assert settings.data_dir == tmp_path and settings.top_k == 2


def test_batch_lines_are_questions_or_reasons(tmp_path):
    batch = tmp_path / "b.jsonl"
    batch.write_text("\n".join([
        json.dumps({"id": "a", "question": "Q1?"}),
        "",
        "{broken",
        json.dumps({"question": "Q2?", "history": [["earlier?", "yes [1]."]]}),
        json.dumps({"id": 7, "question": "Q3?", "history": {"not": "pairs"}}),
        json.dumps([1, 2]),
    ]), encoding="utf-8")
    lines = list(read_batch(batch))
    assert lines[0] == BatchLine(1, "a", "Q1?")
    assert lines[1].number == 3 and lines[1].question is None and "malformed JSON" in (lines[1].error or "")
    assert lines[2] == BatchLine(4, 4, "Q2?", (Turn("earlier?", "yes [1]."),))  # no id: the line number
    assert lines[3].id == 7 and lines[3].question is None and "history" in (lines[3].error or "")
    assert lines[4].id is None and "expected" in (lines[4].error or "")
    with pytest.raises(InputError, match="no file"):
        list(read_batch(tmp_path / "missing.jsonl"))
