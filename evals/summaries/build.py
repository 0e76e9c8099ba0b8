"""Build `cnndm_frank.jsonl.gz` from a snapshot of github.com/artidoro/frank (see SOURCE.md).

    python evals/summaries/build.py FRANK_GIT_DIR

FRANK_GIT_DIR is a bare clone or `.git` directory holding commit 5860706b (the per-article
JSON files were removed from later commits). Standard library and `git show` only; the
output is deterministic (sorted by hash, gzip mtime 0). Keeps the 250 CNN/DailyMail test
articles (ids that are 40-hex hashes); the XSum (BBC) articles of FRANK are left out.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

COMMIT = "5860706bda0641136d10d27ead52c5f6ae79630e"
FOLDER = "data/articles-wbertscore-json"
OUT = Path(__file__).resolve().parent / "cnndm_frank.jsonl.gz"
HASH = re.compile(r"/([0-9a-f]{40})\.json$")


def git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", repo, *args], check=True, capture_output=True, text=True).stdout


def title_from(url: str) -> str:
    """A readable title from a Daily Mail URL slug; CNN URLs end in index.html and give none."""
    slug = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")
    words = [w for w in slug.split("-") if w and not w.isdigit()]
    return " ".join(words).capitalize() if len(words) >= 3 and slug != "index" else ""


def main(repo: str) -> int:
    names = sorted(n for n in git(repo, "ls-tree", "-r", "--name-only", COMMIT, FOLDER).splitlines() if HASH.search(n))
    rows = []
    for name in names:
        record = json.loads(git(repo, "show", f"{COMMIT}:{name}"))
        outlet = "CNN" if record["id"].startswith("cnn-") else "Daily Mail"
        rows.append({"id": record["hash"], "outlet": outlet, "url": record["url"],
                     "title": title_from(record["url"]) or f"{outlet} story {record['hash'][:8]}",
                     "text": record["article"], "reference": record["bart_reference"]})
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        for row in rows:
            handle.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
    print(f"wrote {len(rows)} articles to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
