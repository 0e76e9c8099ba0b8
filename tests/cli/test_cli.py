"""The `newsrag` command line, end to end in-process: real index on disk, real model.

Every error path must end in "error: ..." on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli.main import main

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """A data dir with the seeds indexed once through the CLI."""
    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(SEEDS, root / "seeds")
    assert main(["index", str(root / "seeds"), "--data-dir", str(root / "data")]) == 0
    return root / "data"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_status_without_an_index_is_a_clear_error(tmp_path, capsys):
    code, out, err = run(capsys, "status", "--data-dir", str(tmp_path / "none"))
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "newsrag index" in err and "Traceback" not in err


def test_index_again_is_unchanged_and_status_counts_match(data_dir, capsys):
    code, out, _ = run(capsys, "index", str(data_dir.parent / "seeds"), "--data-dir", str(data_dir))
    assert code == 0
    assert "0 added, 0 updated, 6 unchanged, 0 removed" in out and "0 embedded" in out
    code, out, _ = run(capsys, "status", "--json", "--data-dir", str(data_dir))
    status = json.loads(out)
    assert code == 0 and status["articles"] == 6 and status["chunks"] > 6
    assert status["embedding_model"] == "all-MiniLM-L6-v2"


def test_ask_json_cites_the_deadline_sentence(data_dir, capsys):
    code, out, _ = run(capsys, "ask", "--json", "--data-dir", str(data_dir), "What was the September 19 deadline?")
    answer = json.loads(out)
    assert code == 0 and not answer["refused"]
    assert "September 19" in answer["text"] and "[1]" in answer["text"]
    first = answer["citations"][0]
    assert first["number"] == 1 and "003_" in first["source_path"]
    assert "deadline of September 19" in first["quote"]


def test_ask_plain_text_lists_numbered_sources(data_dir, capsys):
    code, out, _ = run(capsys, "ask", "--data-dir", str(data_dir), "What was the September 19 deadline?")
    assert code == 0 and "\nSources:\n[1] " in out


@pytest.mark.parametrize(
    ("question", "expected"),
    [("   ", "empty"), ("x" * 100_000, "at most"), ("\x00\x01\x02", "empty")],
)
def test_bad_questions_exit_2_with_the_problem(data_dir, capsys, question, expected):
    code, out, err = run(capsys, "ask", "--data-dir", str(data_dir), question)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and expected in err


def test_bad_date_filter_names_the_flag(data_dir, capsys):
    code, _, err = run(capsys, "ask", "--data-dir", str(data_dir), "--since", "yesterday", "What deadline?")
    assert code == 2 and "--since" in err and "YYYY-MM-DD" in err


def test_batch_answers_good_lines_and_reports_bad_ones(data_dir, tmp_path, capsys):
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        "\n".join([
            json.dumps({"id": "a", "question": "What was the September 19 deadline?"}),
            '{"id": "broken", "question": ',
            json.dumps({"id": "h", "question": "What did he say about a ground operation?",
                        "history": [["Who is Iran's ambassador to Baghdad?", "Mohammad Kazem Al-e Sadeq [1]."]]}),
            json.dumps({"id": "bad-history", "question": "Why?", "history": "not a list"}),
            json.dumps(["not", "an", "object"]),
            "",
            json.dumps({"id": "empty", "question": ""}),
        ]),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "ask", "--batch", str(batch), "--json", "--data-dir", str(data_dir))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 1  # some lines failed
    assert [r["id"] for r in rows] == ["a", None, "h", "bad-history", None, "empty"]
    by_id = {r["id"]: r for r in rows if r["id"]}
    assert "September 19" in by_id["a"]["text"]
    assert "Al-e Sadeq" in by_id["h"]["query"]  # the follow-up was made standalone
    assert "malformed JSON" in rows[1]["error"]
    assert "history" in by_id["bad-history"]["error"]
    assert "object" in rows[4]["error"] or "expected" in rows[4]["error"]
    assert "empty" in by_id["empty"]["error"]


def test_batch_file_problems_exit_2(data_dir, tmp_path, capsys):
    code, _, err = run(capsys, "ask", "--batch", str(tmp_path / "missing.jsonl"), "--data-dir", str(data_dir))
    assert code == 2 and "no file" in err
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes('{"id": 1, "question": "Qu\xe9 pas\xf3?"}\n'.encode("latin-1"))
    code, _, err = run(capsys, "ask", "--batch", str(latin1), "--data-dir", str(data_dir))
    assert code == 2 and "UTF-8" in err
