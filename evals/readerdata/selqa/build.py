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

Usage:
    python evals/readerdata/selqa/build.py GIT_DIR [--out PATH]

GIT_DIR is the bare git directory of the snapshot. The output is gzip with mtime 0 and JSON
with sorted keys, so a rebuild is byte-for-byte identical.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

COMMIT = "fef3d6ac6944e2d4237165d90e5f859c71676bdd"
SPLITS = (("dev", "ass/selqa-ass-dev.json"), ("test", "ass/selqa-ass-test.json"))
FIELDS = {"question", "article", "section", "topic", "q_types", "is_paraphrase", "candidates", "answers"}


def git_show(git_dir: str, path: str) -> bytes:
    out = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{COMMIT}:{path}"], check=True, capture_output=True)
    return out.stdout


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


def write_jsonl_gz(path: Path, records: list[dict[str, object]]) -> str:
    body = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n" for r in records)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(body.encode("utf-8"))
    path.write_bytes(buf.getvalue())
    return hashlib.sha256(buf.getvalue()).hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("git_dir", help="bare git directory of the emorynlp/selqa snapshot")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "questions.jsonl.gz")
    args = ap.parse_args()
    counts = dict.fromkeys(
        (
            "questions",
            "questions_dev",
            "questions_test",
            "sentences",
            "empty_sentences",
            "answer_sentences",
            "answers_reordered",
        ),
        0,
    )
    records: list[dict[str, object]] = []
    for split, path in SPLITS:
        data = json.loads(git_show(args.git_dir, path))
        if not isinstance(data, list):
            raise SystemExit(f"{path}: expected a JSON list of questions, got {type(data).__name__}")
        records.extend(convert(split, i, src, counts) for i, src in enumerate(data))
    digest = write_jsonl_gz(args.out, records)
    for key, value in counts.items():
        print(f"{key}: {value}")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, sha256 {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
