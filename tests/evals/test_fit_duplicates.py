"""Fitting the duplicate detector: the pairs file, and that the fit reproduces DuplicateTuning."""

from __future__ import annotations

import collections
from pathlib import Path

from evals.duplicates.build import OUT, build, split_of, write
from evals.fit_duplicates import THRESHOLD_GRID, Scores, choose, load_devdata, load_pairs, score
from newsrag.tuning import DuplicateTuning


def test_scores_count_the_four_outcomes() -> None:
    s = score([True, True, False, False], [True, False, True, False])
    assert s == Scores(1, 1, 1, 1)
    assert (s.precision, s.recall, s.f1) == (0.5, 0.5, 0.5)
    assert Scores(0, 0, 0, 5).precision == 1.0  # nothing predicted: no wrong merge


def test_pairs_keep_each_article_in_one_split() -> None:
    pairs = load_pairs()
    assert collections.Counter(p.label for p in pairs).keys() == {"duplicate", "different"}
    for p in pairs:
        assert p.split == split_of(p.a_id)
        if p.label == "different":
            assert split_of(p.b_id) == p.split
    assert len({p.id for p in pairs}) == len(pairs)


def test_fit_reproduces_the_packaged_tuning() -> None:
    tuning, _ = choose(load_pairs(), load_devdata())
    assert tuning == DuplicateTuning()
    assert tuning.threshold in THRESHOLD_GRID


def test_build_writes_the_same_bytes_every_time(tmp_path: Path) -> None:
    """The pairs file is not kept in git: the builder must give every checkout the same pairs."""
    first, second = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    write(build(), first)
    write(build(), second)
    assert first.read_bytes() == second.read_bytes()
    if OUT.exists():  # a copy written earlier by build.py
        assert OUT.read_bytes() == first.read_bytes()
