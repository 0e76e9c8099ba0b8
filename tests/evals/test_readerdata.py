"""The reader data sets in evals/readerdata/: the counts recorded in each SOURCE.md and their invariants.

Fast (each file loads in well under a second). The loaders check shapes and invariants
themselves; these tests restate the ones that matter so a regression names what broke.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from evals.readerdata.load import (
    READERDATA_DIR,
    load_clapnq,
    load_selqa,
    load_squad2,
    load_trecqa,
)
from newsrag.errors import InputError

MAX_BYTES = 2_000_000


def test_squad2_counts_and_offsets() -> None:
    paragraphs = load_squad2()
    questions = [q for p in paragraphs for q in p.qas]
    assert len(paragraphs) == 1204
    assert len({p.title for p in paragraphs}) == 35
    assert len(questions) == 11873
    assert sum(not q.answerable for q in questions) == 5945
    assert sum(bool(q.plausible_answers) for q in questions if not q.answerable) == 5930
    assert sum(len(q.answers) for q in questions) == 20302
    for p in paragraphs:
        for q in p.qas:
            assert q.answerable == bool(q.answers)
            for span in q.answers + q.plausible_answers:
                assert p.context[span.start : span.start + len(span.text)] == span.text


def test_selqa_counts_and_indices() -> None:
    questions = load_selqa()
    assert len(questions) == 2375
    assert sum(q.split == "dev" for q in questions) == 785
    assert sum(q.split == "test" for q in questions) == 1590
    assert sum(len(q.sentences) for q in questions) == 28938
    assert sum(len(q.answers) for q in questions) == 2691
    for q in questions:
        assert q.answers and all(0 <= i < len(q.sentences) for i in q.answers)
        assert all(q.sentences[i].strip() for i in q.answers)


def test_clapnq_counts_and_gold_sentences() -> None:
    questions = load_clapnq()
    answerable = [q for q in questions if q.answerable]
    assert len(questions) == 600
    assert len(answerable) == 300
    assert sum(len(q.sentences) for q in questions) == 5008
    assert sum(len(q.gold_sentences) for q in answerable) == 836
    assert sum(q.gold_source == "overlap" for q in answerable) == 1
    for q in answerable:
        assert q.answer and q.gold_sentences
        assert all(0 <= i < len(q.sentences) for i in q.gold_sentences)
    for q in questions:
        assert q.passage == " ".join(q.sentences)
        if not q.answerable:
            assert q.answer is None and not q.gold_sentences


def test_trecqa_counts_and_clean_flag() -> None:
    questions = load_trecqa()
    labels = [c.label for q in questions for c in q.candidates]
    assert len(questions) == 100
    assert (len(labels), labels.count(1), labels.count(0)) == (1517, 284, 1233)
    clean = [q for q in questions if q.clean]
    assert len(clean) == 68
    assert sum(len(q.candidates) for q in clean) == 1442
    assert sum(not q.candidates for q in questions) == 5
    for q in questions:
        assert q.clean == ({c.label for c in q.candidates} == {0, 1})


@pytest.mark.parametrize(
    "relative",
    [
        "squad2_dev/paragraphs.jsonl.gz",
        "selqa/questions.jsonl.gz",
        "clapnq_dev/questions.jsonl.gz",
        "trecqa_test/questions.jsonl.gz",
    ],
)
def test_files_are_small_and_reproducible_gzip(relative: str) -> None:
    path = READERDATA_DIR / relative
    data = path.read_bytes()
    assert len(data) < MAX_BYTES
    assert data[4:8] == b"\x00\x00\x00\x00"  # gzip mtime 0: a rebuild is byte-for-byte identical
    assert (READERDATA_DIR / relative.split("/")[0] / "SOURCE.md").is_file()


def test_missing_and_malformed_files_raise_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected the reader data file"):
        load_trecqa(tmp_path / "absent.jsonl.gz")
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(gzip.compress(b'{"id": "1", "question": "q", "candidates": [], "clean": false}\n'))
    with pytest.raises(InputError, match="expected a string 'question_tokenised'"):
        load_trecqa(bad)
    off = tmp_path / "off.jsonl.gz"
    off.write_bytes(
        gzip.compress(
            b'{"title": "t", "context": "abc", "qas": [{"id": "x", "question": "q", "answerable": true,'
            b' "answers": [{"text": "b", "start": 0}], "plausible_answers": []}]}\n'
        )
    )
    with pytest.raises(InputError, match="start offset"):
        load_squad2(off)
    not_gzip = tmp_path / "plain.jsonl.gz"
    not_gzip.write_text("{}\n")
    with pytest.raises(InputError, match="gzipped"):
        load_selqa(not_gzip)
