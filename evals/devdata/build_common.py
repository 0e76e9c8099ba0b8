"""What the development collections' `build.py` scripts share (standard library only).

`fit` cuts an article after the last whole paragraph that fits, `write_articles` writes
`articles.jsonl.gz` (one JSON object a line, fields in their given order, gzip with mtime 0:
byte-for-byte reproducible) and `count_by_year` tallies publication years for the report.

The scripts are run by path (`python evals/devdata/<collection>/build.py ...`) or as modules
(`python -m evals.devdata.<collection>.build ...`); run by path, a script puts the repository
root on `sys.path` before importing this module or another collection's script.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path


def fit(paras: list[str], limit: int) -> tuple[list[str], bool]:
    """Whole paragraphs up to `limit` characters (joined by blank lines); True if cut."""
    out: list[str] = []
    size = 0
    for p in paras:
        add = len(p) + (2 if out else 0)
        if size + add > limit:
            return out, True
        out.append(p)
        size += add
    return out, False


def write_articles(path: Path, rows: Iterable[Mapping[str, object]]) -> None:
    """One JSON object a line (keys starting with "_" left out), gzipped with mtime 0."""
    data = "".join(
        json.dumps({k: v for k, v in r.items() if not k.startswith("_")}, ensure_ascii=False) + "\n" for r in rows
    ).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as gz:
        gz.write(data)
    path.write_bytes(buf.getvalue())


def count_by_year(dates: Iterable[str]) -> dict[str, int]:
    """How many of the YYYY-MM-DD dates fall in each year, by year."""
    years: dict[str, int] = {}
    for date in dates:
        years[date[:4]] = years.get(date[:4], 0) + 1
    return dict(sorted(years.items()))
