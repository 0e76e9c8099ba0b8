"""The development questions pass their mechanical checks, and the checks catch what they claim to."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from evals.devdata.verify import DEVDATA_DIR, verify

NEW_FILES = sorted(DEVDATA_DIR.glob("*/questions_*.jsonl"))


def test_the_new_question_files_pass_every_check():
    assert len(NEW_FILES) == 20
    assert sum(len(p.read_text(encoding="utf-8").splitlines()) for p in NEW_FILES) >= 4000
    problems = verify(NEW_FILES)
    assert not problems, [str(p) for p in problems[:5]]


def _one_collection(tmp_path: Path, items: list[dict]) -> Path:
    folder = tmp_path / "wikinews"
    folder.mkdir()
    shutil.copyfile(DEVDATA_DIR / "wikinews" / "articles.jsonl.gz", folder / "articles.jsonl.gz")
    path = folder / "questions_x.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return path


def test_the_checks_catch_bad_items(tmp_path):
    art = "wikinews-hundreds-dead-in-hajj-stampede"
    items = [
        {"id": "x1", "question": "How many pilgrims died?", "article": art, "answers": ["345"],
         "evidence": ["345 pilgrims died."], "types": ["single"]},  # not a sentence of the article
        {"id": "x2", "question": "What set off the crush?", "article": art, "answers": ["a cow"],
         "evidence": ["The stampede began when luggage from a bus tripped pilgrims at the eastern end of the wall, "
                      "causing a bottleneck."], "types": ["single"]},  # answer not in the evidence
        {"id": "x3", "question": "What set off the stampede at the Jamarat Bridge?", "article": art,
         "answerable": False, "types": ["unanswerable"], "notes": "anchor: stampede; cue: luggage"},  # answered
        {"id": "x3", "question": "Who?", "article": "nowhere", "answerable": False, "types": ["unanswerable"],
         "notes": "anchor: x; cue: y"},  # duplicate id, unknown article
    ]
    problems = [p.message for p in verify([_one_collection(tmp_path, items)], root=tmp_path)]
    assert any("whole sentence" in m for m in problems)
    assert any("some answer" in m for m in problems)
    assert any("no sentence of the collection" in m for m in problems)
    assert any("unique id" in m for m in problems) and any("'article'" in m for m in problems)
