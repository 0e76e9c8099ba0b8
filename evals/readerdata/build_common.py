"""What the reader data sets' `build.py` scripts share (standard library only).

Each `<set>/build.py` reads files of one pinned commit with `git show` (`git_show`), turns
them into records and counts, and hands a `build(git_dir)` function to `run`, which parses
the command line (GIT_DIR [--out PATH]), writes the records with `write_jsonl_gz` (gzip with
mtime 0, JSON with sorted keys: a rebuild is byte-for-byte identical) and prints the counts
and the file's size and sha256.

A script may be run by path (`python evals/readerdata/<set>/build.py GIT_DIR`) or as a module
(`python -m evals.readerdata.<set>.build GIT_DIR`); run by path, it puts the repository root
on `sys.path` before importing this module.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

Records = list[dict[str, object]]


def git_show(git_dir: str, commit: str, path: str) -> bytes:
    """The bytes of `path` at `commit` in the git directory `git_dir`."""
    out = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"], check=True, capture_output=True)
    return out.stdout


def unique_ids(records: Records) -> Records:
    """The records, once their "id" fields are checked to be distinct."""
    ids = [r["id"] for r in records]
    if len(set(ids)) != len(ids):
        raise SystemExit("expected unique question ids")
    return records


def write_jsonl_gz(path: Path, records: Records) -> str:
    """Write one sorted-key JSON object a line, gzipped with mtime 0; return the file's sha256."""
    body = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n" for r in records)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(body.encode("utf-8"))
    path.write_bytes(buf.getvalue())
    return hashlib.sha256(buf.getvalue()).hexdigest()


def run(doc: str, git_dir_help: str, default_out: Path, build: Callable[[str], tuple[Records, dict[str, int]]]) -> int:
    """A build script's main(): parse GIT_DIR [--out PATH], build, write, print the counts."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("git_dir", help=git_dir_help)
    ap.add_argument("--out", type=Path, default=default_out)
    args = ap.parse_args()
    records, counts = build(args.git_dir)
    digest = write_jsonl_gz(args.out, records)
    for key, value in counts.items():
        print(f"{key}: {value}")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, sha256 {digest})")
    return 0
