#!/usr/bin/env python3
"""Convert SelQA answer-sentence selection dev and test into questions.jsonl.gz (standard library only).

Source: `ass/selqa-ass-dev.json` and `ass/selqa-ass-test.json` in the GitHub repository
emorynlp/selqa at the pinned COMMIT (see SOURCE.md). Each source record has question,
article, section, topic, q_types, is_paraphrase, candidates (the sentences of one Wikipedia
section, untokenised) and answers (indices into candidates). The training split is not used.

Changes: an id `selqa-<split>-<index in the source file, 4 digits>` is added (the source has
none); `answers` is sorted and de-duplicated (7 source lists are unsorted). Candidate
sentences are kept as they are, empty strings included, so every index still points at the
sentence the annotators labelled.

Usage: `python evals/readerdata/selqa/build.py GIT_DIR [--out PATH]` (or `python -m
evals.readerdata.selqa.build ...`), GIT_DIR being the bare git directory of the snapshot.
The output is byte-for-byte reproducible (gzip mtime 0, sorted JSON keys: ../build_common.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

if not __package__:  # run by path: make the repository root importable (see ../build_common.py)
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from evals.readerdata.build_common import Records, git_show, run  # noqa: E402

COMMIT = "fef3d6ac6944e2d4237165d90e5f859c71676bdd"
OUT = Path(__file__).resolve().parent / "questions.jsonl.gz"  # the default --out
SPLITS = (("dev", "ass/selqa-ass-dev.json"), ("test", "ass/selqa-ass-test.json"))
FIELDS = {"question", "article", "section", "topic", "q_types", "is_paraphrase", "candidates", "answers"}


def convert(split: str, index: int, src: dict[str, object], counts: dict[str, int]) -> dict[str, object]:
    if set(src) != FIELDS:
        raise SystemExit(f"{split} #{index}: expected fields {sorted(FIELDS)}, got {sorted(src)}")
    sentences = src["candidates"]
    answers = src["answers"]
    types = src["q_types"]
    if not isinstance(sentences, list) or not all(isinstance(s, str) for s in sentences):
        raise SystemExit(f"{split} #{index}: expected a list of candidate sentences")
    if not isinstance(answers, list) or not all(isinstance(a, int) and 0 <= a < len(sentences) for a in answers):
        raise SystemExit(f"{split} #{index}: expected answer indices within 0..{len(sentences) - 1}, got {answers}")
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise SystemExit(f"{split} #{index}: expected a list of question types, got {types!r}")
    clean_answers = sorted(set(answers))
    counts["answers_reordered"] += int(clean_answers != answers)
    counts["questions"] += 1
    counts[f"questions_{split}"] += 1
    counts["sentences"] += len(sentences)
    counts["empty_sentences"] += sum(1 for s in sentences if not s.strip())
    counts["answer_sentences"] += len(clean_answers)
    return {
        "id": f"selqa-{split}-{index:04d}",
        "split": split,
        "question": src["question"],
        "title": src["article"],
        "section": src["section"],
        "topic": src["topic"],
        "types": types,
        "paraphrase": bool(src["is_paraphrase"]),
        "sentences": sentences,
        "answers": clean_answers,
    }


def build(git_dir: str) -> tuple[Records, dict[str, int]]:
    counts = dict.fromkeys(
        "questions questions_dev questions_test sentences empty_sentences answer_sentences answers_reordered".split(), 0
    )
    records: Records = []
    for split, path in SPLITS:
        data = json.loads(git_show(git_dir, COMMIT, path))
        if not isinstance(data, list):
            raise SystemExit(f"{path}: expected a JSON list of questions, got {type(data).__name__}")
        records.extend(convert(split, i, src, counts) for i, src in enumerate(data))
    return records, counts


def main() -> int:
    return run(__doc__, "bare git directory of the emorynlp/selqa snapshot", OUT, build)


if __name__ == "__main__":
    sys.exit(main())
