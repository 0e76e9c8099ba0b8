"""The helpers the data build scripts share (evals/readerdata/build_common.py, evals/devdata/build_common.py).

The writers must reproduce the committed data files byte for byte from their own records, and every
build script must still start when run by path (it puts the repository root on sys.path to import them).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from evals.devdata import build_common as devdata_common
from evals.readerdata import build_common as reader_common

ROOT = Path(__file__).resolve().parents[2]
READER_FILES = [
    ROOT / "evals" / "readerdata" / name
    for name in (
        "clapnq_dev/questions.jsonl.gz",
        "selqa/questions.jsonl.gz",
        "squad2_dev/paragraphs.jsonl.gz",
        "trecqa_test/questions.jsonl.gz",
    )
]
ARTICLE_FILES = sorted((ROOT / "evals" / "devdata").glob("*/articles.jsonl.gz"))
SCRIPTS = [
    *sorted((ROOT / "evals" / "readerdata").glob("*/build.py")),
    ROOT / "evals" / "devdata" / "wikinews" / "build.py",
    ROOT / "evals" / "devdata" / "wikinews2" / "build.py",
    ROOT / "evals" / "devdata" / "globalvoices2" / "build.py",
]


def _records(path: Path) -> list[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.mark.parametrize("path", READER_FILES, ids=lambda p: p.parent.name)
def test_write_jsonl_gz_reproduces_the_committed_reader_file(path: Path, tmp_path: Path) -> None:
    out = tmp_path / path.name
    digest = reader_common.write_jsonl_gz(out, _records(path))
    assert out.read_bytes() == path.read_bytes()
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("path", ARTICLE_FILES, ids=lambda p: p.parent.name)
def test_write_articles_reproduces_the_committed_collection(path: Path, tmp_path: Path) -> None:
    rows = _records(path)
    out = tmp_path / path.name
    devdata_common.write_articles(out, [{**r, "_note": "left out"} for r in rows])
    assert out.read_bytes() == path.read_bytes()


def test_unique_ids_passes_distinct_ids_and_stops_on_a_repeat() -> None:
    records: list[dict[str, object]] = [{"id": "a"}, {"id": "b"}]
    assert reader_common.unique_ids(records) is records
    with pytest.raises(SystemExit, match="unique question ids"):
        reader_common.unique_ids([{"id": "a"}, {"id": "a"}])


def test_fit_keeps_whole_paragraphs_up_to_the_limit() -> None:
    paras = ["aaaa", "bbb", "cc"]  # joined by blank lines: 4, 4 + 2 + 3 = 9, 9 + 2 + 2 = 13
    assert devdata_common.fit(paras, 13) == (paras, False)
    assert devdata_common.fit(paras, 12) == (["aaaa", "bbb"], True)
    assert devdata_common.fit(paras, 3) == ([], True)


def test_count_by_year_is_sorted_by_year() -> None:
    assert devdata_common.count_by_year(["2020-01-02", "2019-05-06", "2020-12-31"]) == {"2019": 1, "2020": 2}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_a_build_script_run_by_path_imports_the_shared_helpers(script: Path, tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, str(script), "--help"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "usage:" in run.stdout
