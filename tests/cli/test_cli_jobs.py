"""`newsrag ask` for the jobs besides answering: greetings, lists and summaries, as text and as JSON."""

from __future__ import annotations

import json
import re

from tests.cli.test_cli import data_dir, run  # noqa: F401 - data_dir is a fixture


def test_ask_json_carries_the_kind(data_dir, capsys):  # noqa: F811
    code, out, _ = run(capsys, "ask", "--json", "--data-dir", str(data_dir), "Which articles mention Qassem Soleimani?")
    answer = json.loads(out)
    assert code == 0 and answer["kind"] == "collection" and not answer["refused"]
    assert answer["heading"] == "2 of the 6 indexed articles mention Qassem Soleimani:"
    assert len(answer["citations"]) == 2 and all("Soleimani" in c["quote"] for c in answer["citations"])


def test_plain_text_prints_lists_summaries_and_greetings(data_dir, capsys):  # noqa: F811
    code, out, _ = run(capsys, "ask", "--data-dir", str(data_dir), "What are these articles about?")
    assert code == 0 and out.startswith("There are 6 articles in the index:")
    assert re.search(r"\n\d\. Iran Ends Mission to Safeguard Iraq Border — ", out) and "\nSources:" in out
    assert "\n6. " in out and "\n7. " not in out
    code, out, _ = run(capsys, "ask", "--data-dir", str(data_dir), "Summarize the article about the Iranian ambassador")
    assert code == 0 and out.startswith("Summary of “Iran Amb. to Iraq dismisses claims")
    code, out, _ = run(capsys, "ask", "--data-dir", str(data_dir), "hello")
    assert code == 0 and out.startswith("Hello!") and "\n- What are these articles about?" in out
