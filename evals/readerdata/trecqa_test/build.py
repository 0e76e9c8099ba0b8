#!/usr/bin/env python3
"""Convert the TrecQA TEST split into questions.jsonl.gz (standard library only).

Source: `TrecQA/data/TEST.xml` in the GitHub repository castorini/data at the pinned COMMIT
(see SOURCE.md): Yao et al.'s `test-less-than-40.manual-edit.xml`, the TEST split of Wang et
al. (2007), in a pseudo-XML format. Each `<QApairs id='...'>` holds one `<question>` and any
number of `<positive>` / `<negative>` candidate sentences; inside each of those the first line
is the tab-separated tokens (then POS tags, dependencies, heads, named entities and, for
positives, the answer span, none of which is kept).

TEST-ONLY data: never trained or tuned on.

All 100 questions are kept, in file order. `clean` is true for a question with at least one
positive and at least one negative candidate (the standard "clean" TEST of 68 questions).
`text` is a light detokenisation of the tokens (see `detokenize`); `tokenised` keeps the
source tokens joined by single spaces.

Usage: `python evals/readerdata/trecqa_test/build.py GIT_DIR [--out PATH]` (or `python -m
evals.readerdata.trecqa_test.build ...`), GIT_DIR being the git directory of the snapshot.
The output is byte-for-byte reproducible (gzip mtime 0, sorted JSON keys: ../build_common.py).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

if not __package__:  # run by path: make the repository root importable (see ../build_common.py)
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from evals.readerdata.build_common import Records, git_show, run, unique_ids  # noqa: E402

COMMIT = "056cbbcbf997cc0b35032430110c5e5e5525700a"
OUT = Path(__file__).resolve().parent / "questions.jsonl.gz"  # the default --out
PATH = "TrecQA/data/TEST.xml"
_OPEN = re.compile(r"^<QApairs id='([^']+)'>$")
_BRACKETS = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}", "``": '"', "''": '"'}
_ATTACH_LEFT = {",", ".", ";", ":", "?", "!", "%", "'", "-RRB-", "-RSB-", "-RCB-"}
_CLITICS = {"'s", "n't", "'re", "'ve", "'ll", "'d", "'m"}
_ATTACH_RIGHT = {"`", "-LRB-", "-LSB-", "-LCB-", "$"}
# Hyphen pieces (bracket tokens such as -LRB- excepted): "-based", "-member", "-to-" glue to the
# word before; "pro-", "co-", "-to-" glue to the word after.
_SUFFIX = re.compile(r"^-[A-Za-z]")
_PREFIX = re.compile(r"^-?[A-Za-z]+-$")


def detokenize(tokens: list[str]) -> str:
    """Undo the Penn Treebank spacing: `` and '' -> " (opening or closing by their parity,
    as the source sometimes opens with ''), -LRB- -RRB- -> ( ), no space before , . ; : ? ! % )
    ' or a clitic ('s n't 're 've 'll 'd 'm), none after ( ` $, and hyphen pieces
    ("five -member", "-to-", "pro- Amtrak", "R - Texas") joined to their neighbours.
    Nothing else changes: "--" and "..." stay spaced, URLs stay split ("http: //www. x. com")."""
    out = ""
    glue_next = True
    quotes = 0
    for tok in tokens:
        bracket = tok in _BRACKETS
        opening = False
        if tok in ("``", "''"):
            opening = quotes % 2 == 0
            quotes += 1
            glue = glue_next or not opening
        else:
            glue = (
                glue_next
                or tok in _ATTACH_LEFT
                or tok == "-"
                or tok.lower() in _CLITICS
                or (not bracket and _SUFFIX.match(tok) is not None)
            )
        out += ("" if glue else " ") + _BRACKETS.get(tok, tok)
        glue_next = opening or tok in _ATTACH_RIGHT or tok == "-" or (not bracket and _PREFIX.match(tok) is not None)
    return out


def parse(text: str) -> list[dict[str, object]]:
    questions: list[dict[str, object]] = []
    current: dict[str, object] | None = None
    prev = ""
    for line in text.split("\n"):
        opened = _OPEN.match(line)
        if opened:
            current = {"id": opened.group(1), "question": None, "candidates": []}
            questions.append(current)
        elif prev in ("<question>", "<positive>", "<negative>"):
            if current is None:
                raise SystemExit(f"expected <QApairs id=...> before {prev}")
            tokens = [t for t in line.split("\t") if t]
            if not tokens:
                raise SystemExit(f"{current['id']}: expected tokens after {prev}")
            item = {"text": detokenize(tokens), "tokenised": " ".join(tokens)}
            if prev == "<question>":
                current["question"] = item
            else:
                candidates = current["candidates"]
                assert isinstance(candidates, list)
                candidates.append({**item, "label": int(prev == "<positive>")})
        prev = line
    return questions


def build(git_dir: str) -> tuple[Records, dict[str, int]]:
    counts = dict.fromkeys(
        "questions candidates positive negative clean clean_candidates no_negative no_positive no_candidates".split(), 0
    )
    records: Records = []
    for q in parse(git_show(git_dir, COMMIT, PATH).decode("utf-8")):
        question = q["question"]
        candidates = q["candidates"]
        if not isinstance(question, dict) or not isinstance(candidates, list):
            raise SystemExit(f"{q['id']}: expected a question")
        labels = [c["label"] for c in candidates]
        clean = 1 in labels and 0 in labels
        counts["questions"] += 1
        counts["candidates"] += len(labels)
        counts["positive"] += labels.count(1)
        counts["negative"] += labels.count(0)
        counts["clean"] += int(clean)
        counts["clean_candidates"] += len(labels) if clean else 0
        counts["no_candidates"] += int(not labels)
        counts["no_negative"] += int(bool(labels) and 0 not in labels)
        counts["no_positive"] += int(bool(labels) and 1 not in labels)
        records.append(
            {
                "id": q["id"],
                "question": question["text"],
                "question_tokenised": question["tokenised"],
                "candidates": candidates,
                "clean": clean,
            }
        )
    return unique_ids(records), counts


def main() -> int:
    return run(__doc__, "git directory of the castorini/data snapshot", OUT, build)


if __name__ == "__main__":
    sys.exit(main())
