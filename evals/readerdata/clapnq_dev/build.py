#!/usr/bin/env python3
"""Convert CLAPNQ dev (300 answerable + 300 unanswerable) into questions.jsonl.gz (standard library only).

Source: `annotated_data/dev/clapnq_dev_answerable.jsonl` and
`annotated_data/dev/clapnq_dev_unanswerable.jsonl` in the GitHub repository primeqa/clapnq at
the pinned COMMIT (see SOURCE.md). Each source line has id (the Natural Questions id), input
(the question), passages (one gold passage: title, text, sentences) and output (one or more
annotations: answer, selected_sentences, meta with round and skip).

TEST-ONLY data: never trained or tuned on.

Choice of the reference answer (`answer`) of an answerable question:
  * an annotation is usable when it is not skipped and its answer is neither empty nor "NA";
  * the reference is the last usable round-2 annotation, else the first usable one.
`gold_sentences` are the indices of the passage sentences that the reference annotation
selected (`selected_sentences`, matched to `passages[0].sentences` by exact text). Where the
reference selected none, the gold sentences are those whose distinct word tokens
([a-z0-9]+, lowercased) are at least OVERLAP of them found in the answer, or failing that the
one sentence with the highest such share; `gold_source` records "clapnq" or "overlap".
Every usable annotation is kept in `references`.

Usage: `python evals/readerdata/clapnq_dev/build.py GIT_DIR [--out PATH]` (or `python -m
evals.readerdata.clapnq_dev.build ...`), GIT_DIR being the bare git directory of the snapshot.
The output is byte-for-byte reproducible (gzip mtime 0, sorted JSON keys: ../build_common.py).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

if not __package__:  # run by path: make the repository root importable (see ../build_common.py)
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from evals.readerdata.build_common import Records, git_show, run, unique_ids  # noqa: E402

COMMIT = "eb26840d130f4dcf4c4c5c12a47d0beffc9cc586"
OUT = Path(__file__).resolve().parent / "questions.jsonl.gz"  # the default --out
FILES = (
    (True, "annotated_data/dev/clapnq_dev_answerable.jsonl"),
    (False, "annotated_data/dev/clapnq_dev_unanswerable.jsonl"),
)
OVERLAP = 0.5
_WORD = re.compile(r"[a-z0-9]+")


def usable(annotation: dict[str, object]) -> bool:
    meta = annotation.get("meta")
    answer = annotation.get("answer")
    skipped = isinstance(meta, dict) and bool(meta.get("skip"))
    return not skipped and isinstance(answer, str) and answer.strip() not in ("", "NA")


def round_of(annotation: dict[str, object]) -> int:
    meta = annotation.get("meta")
    value = meta.get("round") if isinstance(meta, dict) else None
    return value if isinstance(value, int) else 0


def sentence_indices(selected: object, sentences: list[str], qid: str) -> list[int]:
    if not isinstance(selected, list):
        raise SystemExit(f"{qid}: expected a list of selected sentences, got {selected!r}")
    out = []
    for s in selected:
        if s not in sentences:
            raise SystemExit(f"{qid}: selected sentence not in the passage: {s!r}")
        out.append(sentences.index(s))
    return sorted(set(out))


def overlap_sentences(answer: str, sentences: list[str]) -> list[int]:
    words = set(_WORD.findall(answer.lower()))
    shares = []
    for sentence in sentences:
        own = set(_WORD.findall(sentence.lower()))
        shares.append(len(own & words) / len(own) if own else 0.0)
    chosen = [i for i, share in enumerate(shares) if share >= OVERLAP]
    return chosen or [max(range(len(shares)), key=lambda i: (shares[i], -i))]


def convert(answerable: bool, src: dict[str, object], counts: dict[str, int]) -> dict[str, object]:
    qid = src.get("id")
    passages = src.get("passages")
    outputs = src.get("output")
    if not isinstance(qid, str) or not isinstance(passages, list) or len(passages) != 1:
        raise SystemExit(f"expected an id and exactly one gold passage, got {str(src)[:120]}")
    if not isinstance(outputs, list):
        raise SystemExit(f"{qid}: expected a list of annotations")
    passage = passages[0]
    sentences = passage.get("sentences")
    text = passage.get("text")
    if not isinstance(sentences, list) or not all(isinstance(s, str) for s in sentences) or not isinstance(text, str):
        raise SystemExit(f"{qid}: expected passage text and sentences")
    if text.rstrip() != " ".join(sentences):
        raise SystemExit(f"{qid}: the passage text is not its sentences joined by spaces")
    record: dict[str, object] = {
        "id": qid,
        "question": src.get("input"),
        "title": passage.get("title"),
        "passage": text.rstrip(),
        "sentences": sentences,
        "answerable": answerable,
        "answer": None,
        "gold_sentences": [],
        "gold_source": "none",
        "references": [],
    }
    counts["questions"] += 1
    counts["sentences"] += len(sentences)
    if not answerable:
        counts["unanswerable"] += 1
        if any(usable(o) for o in outputs):
            raise SystemExit(f"{qid}: expected no answer for an unanswerable question")
        return record
    counts["answerable"] += 1
    counts["annotations"] += len(outputs)
    good = [o for o in outputs if usable(o)]
    counts["annotations_unusable"] += len(outputs) - len(good)
    if not good:
        raise SystemExit(f"{qid}: an answerable question with no usable annotation")
    second = [o for o in good if round_of(o) == 2]
    ref = second[-1] if second else good[0]
    counts["reference_round2" if second else "reference_round1"] += 1
    references = [
        {
            "answer": o["answer"],
            "round": round_of(o),
            "sentences": sentence_indices(o.get("selected_sentences"), sentences, qid),
        }
        for o in good
    ]
    answer = ref["answer"]
    assert isinstance(answer, str)
    gold = sentence_indices(ref.get("selected_sentences"), sentences, qid)
    source = "clapnq"
    if not gold:
        gold, source = overlap_sentences(answer, sentences), "overlap"
        counts["gold_by_overlap"] += 1
    counts["gold_sentences"] += len(gold)
    record.update(answer=answer, gold_sentences=gold, gold_source=source, references=references)
    return record


def build(git_dir: str) -> tuple[Records, dict[str, int]]:
    counts = dict.fromkeys(
        "questions answerable unanswerable sentences annotations annotations_unusable"
        " reference_round2 reference_round1 gold_sentences gold_by_overlap".split(),
        0,
    )
    records: Records = []
    for answerable, path in FILES:
        for line in git_show(git_dir, COMMIT, path).decode("utf-8").splitlines():
            if line.strip():
                records.append(convert(answerable, json.loads(line), counts))
    return unique_ids(records), counts


def main() -> int:
    return run(__doc__, "bare git directory of the primeqa/clapnq snapshot", OUT, build)


if __name__ == "__main__":
    sys.exit(main())
