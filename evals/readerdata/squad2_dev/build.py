#!/usr/bin/env python3
"""Rebuild SQuAD 2.0 dev (all 11,873 questions) as paragraphs.jsonl.gz (standard library only).

Source: the spreadsheet `squad_2.0_dev_complete_11873.xlsx` in the GitHub repository
pragyakatyayan/SQuAD_v2.0_Dataset at the pinned COMMIT (see SOURCE.md). The sheet has one
row per question: title, context, question, ids, answers, answer_start, plausible_answers,
plausible_answers_start, is_impossible. Contexts are Python list strings whose items were
split at the context's newlines; answers and starts are Python list strings when a question
has several answers and plain cells when it has one. The .xlsx is read with zipfile and
ElementTree (an .xlsx is a zip of XML parts), so openpyxl is not needed.

Every answer and plausible answer is checked against its context
(context[start:start + len(text)] == text). A mismatch is repaired by the occurrence of the
text nearest to the given start; a text not found in its context is dropped, and an
answerable question left with no answer is dropped. All counts are printed.

Usage: `python evals/readerdata/squad2_dev/build.py GIT_DIR [--out PATH]` (or `python -m
evals.readerdata.squad2_dev.build ...`), GIT_DIR being the bare git directory of the snapshot (or a checkout's .git).
The output is byte-for-byte reproducible (gzip mtime 0, sorted JSON keys: ../build_common.py).
"""

from __future__ import annotations

import ast
import io
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

if not __package__:  # run by path: make the repository root importable (see ../build_common.py)
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from evals.readerdata.build_common import Records, git_show, run  # noqa: E402

COMMIT = "d8879841e3f6d21058e49f32448c55c16971a227"
OUT = Path(__file__).resolve().parent / "paragraphs.jsonl.gz"  # the default --out
PATH = "squad_2.0_dev_complete_11873.xlsx"
HEADER = (
    "title",
    "context",
    "question",
    "ids",
    "answers",
    "answer_start",
    "plausible_answers",
    "plausible_answers_start",
    "is_impossible",
)
NO_ANSWER = "No answer"  # the sheet's text where a question has no (plausible) answer
NO_START = "--"
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_COLUMN = re.compile(r"[A-Z]+")

Cell = str | int | bool | None


def _column_index(ref: str) -> int:
    letters = _COLUMN.match(ref)
    if letters is None:
        raise ValueError(f"bad cell reference {ref!r}")
    index = 0
    for ch in letters.group():
        index = index * 26 + ord(ch) - ord("A") + 1
    return index - 1


def read_xlsx(data: bytes) -> list[list[Cell]]:
    """Rows of the first sheet: shared and inline strings as str, numbers as int, booleans as bool."""
    book = zipfile.ZipFile(io.BytesIO(data))
    shared = [
        "".join(t.text or "" for t in si.iter(f"{_NS}t"))
        for si in ET.fromstring(book.read("xl/sharedStrings.xml")).iter(f"{_NS}si")
    ]
    rows: list[list[Cell]] = []
    for row in ET.fromstring(book.read("xl/worksheets/sheet1.xml")).iter(f"{_NS}row"):
        cells: list[Cell] = []
        for c in row.iter(f"{_NS}c"):
            col = _column_index(c.get("r", ""))
            cells.extend([None] * (col + 1 - len(cells)))
            kind = c.get("t")
            v = c.find(f"{_NS}v")
            value: Cell
            if kind == "inlineStr":
                value = "".join(t.text or "" for t in c.iter(f"{_NS}t"))
            elif v is None or v.text is None:
                value = None
            elif kind == "s":
                value = shared[int(v.text)]
            elif kind == "b":
                value = v.text == "1"
            elif kind in (None, "n"):
                value = int(v.text) if re.fullmatch(r"-?\d+", v.text) else v.text
            else:
                value = v.text
            cells[col] = value
        rows.append(cells)
    return rows


def parse_spans(texts: Cell, starts: Cell) -> list[tuple[str, int]]:
    """The sheet's (texts, starts) pair: two list strings, or one text with one number."""
    if isinstance(starts, int) and not isinstance(starts, bool):
        if not isinstance(texts, str):
            raise ValueError(f"expected an answer text beside start {starts}, got {texts!r}")
        return [(texts, starts)]
    if not isinstance(texts, str) or not isinstance(starts, str):
        raise ValueError(f"expected list strings, got {texts!r} / {starts!r}")
    text_list = ast.literal_eval(texts)
    start_list = ast.literal_eval(starts)
    if (
        not isinstance(text_list, list)
        or not isinstance(start_list, list)
        or len(text_list) != len(start_list)
        or not all(isinstance(t, str) for t in text_list)
        or not all(isinstance(s, int) for s in start_list)
    ):
        raise ValueError(f"expected equal lists of texts and ints, got {texts!r} / {starts!r}")
    return list(zip(text_list, start_list, strict=True))


def check_spans(
    context: str, spans: list[tuple[str, int]], counts: dict[str, int], kind: str
) -> list[dict[str, object]]:
    """Keep spans whose offset matches; repair by the nearest occurrence; drop texts not in the context."""
    kept: list[dict[str, object]] = []
    for text, start in spans:
        counts[f"{kind}_spans"] += 1
        if context[start : start + len(text)] == text and text:
            kept.append({"text": text, "start": start})
            continue
        found = [m.start() for m in re.finditer(re.escape(text), context)] if text else []
        if not found:
            counts[f"{kind}_dropped_not_found"] += 1
            continue
        counts[f"{kind}_offset_repaired"] += 1
        kept.append({"text": text, "start": min(found, key=lambda s: (abs(s - start), s))})
    return kept


def build(git_dir: str) -> tuple[Records, dict[str, int]]:
    rows = read_xlsx(git_show(git_dir, COMMIT, PATH))
    if tuple(rows[0][: len(HEADER)]) != HEADER:
        raise SystemExit(f"expected header {HEADER}, got {rows[0]}")
    counts = dict.fromkeys(
        (
            "rows",
            "questions",
            "answerable",
            "unanswerable",
            "unanswerable_with_plausible",
            "answer_spans",
            "answer_offset_repaired",
            "answer_dropped_not_found",
            "plausible_spans",
            "plausible_offset_repaired",
            "plausible_dropped_not_found",
            "questions_dropped_no_answer",
            "paragraphs",
            "articles",
        ),
        0,
    )
    paragraphs: dict[tuple[str, str], dict[str, object]] = {}
    seen_ids: set[str] = set()
    for row in rows[1:]:
        counts["rows"] += 1
        title, context_cell, question, qid, answers, answer_start, plausible, plausible_start, impossible = (
            row + [None] * len(HEADER)
        )[: len(HEADER)]
        if not (isinstance(title, str) and isinstance(context_cell, str) and isinstance(question, str)):
            raise SystemExit(f"expected text title/context/question, got row {row[:4]}")
        if not isinstance(qid, str) or qid in seen_ids or not isinstance(impossible, bool):
            raise SystemExit(f"expected a new question id and a boolean is_impossible, got {qid!r} {impossible!r}")
        seen_ids.add(qid)
        pieces = ast.literal_eval(context_cell)
        if not isinstance(pieces, list) or not all(isinstance(p, str) for p in pieces):
            raise SystemExit(f"expected a list string of context pieces, got {context_cell[:80]!r}")
        context = "\n".join(pieces)  # the sheet split each context at its newlines
        if impossible:
            if answers != NO_ANSWER or answer_start != NO_START:
                raise SystemExit(f"{qid}: expected no answer for an unanswerable question, got {answers!r}")
            gold: list[dict[str, object]] = []
        else:
            gold = check_spans(context, parse_spans(answers, answer_start), counts, "answer")
            if not gold:
                counts["questions_dropped_no_answer"] += 1
                continue
        if plausible == NO_ANSWER and plausible_start == NO_START:
            plaus: list[dict[str, object]] = []
        else:
            plaus = check_spans(context, parse_spans(plausible, plausible_start), counts, "plausible")
        counts["questions"] += 1
        counts["unanswerable" if impossible else "answerable"] += 1
        counts["unanswerable_with_plausible"] += int(impossible and bool(plaus))
        para = paragraphs.setdefault((title, context), {"title": title, "context": context, "qas": []})
        qas = para["qas"]
        assert isinstance(qas, list)
        qas.append(
            {"id": qid, "question": question, "answerable": not impossible, "answers": gold, "plausible_answers": plaus}
        )
    records = list(paragraphs.values())
    counts["paragraphs"] = len(records)
    counts["articles"] = len({str(r["title"]) for r in records})
    return records, counts


def main() -> int:
    return run(__doc__, "bare git directory of the pragyakatyayan/SQuAD_v2.0_Dataset snapshot", OUT, build)


if __name__ == "__main__":
    sys.exit(main())
