"""How many relative dates of a real dated corpus index/dates.py resolves, and a sample to check by hand.

`python -m evals.date_check` runs `find_date_mentions` over every dated article of the
development collections (evals/devdata: Wikinews CC BY 2.5, Global Voices CC BY 3.0),
prints the counts by kind, and writes a deterministic sample of relative mentions (a
SHA-256 of article id and offset picks them) to evals/dates/sample.jsonl, each with its
sentence, the article's date and weekday, and the resolved date. A person reads each one
and records "right" or "wrong" (and why) in evals/dates/checked.jsonl; `--score` then
reports the share right. The resolver was not changed after the sample was read.

Deliberately left out: a gold set of every date in the corpus (only the sample is checked).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import gzip
import hashlib
import json
from pathlib import Path

from index.dates import find_date_mentions
from newsrag.text import sentence_spans
from newsrag.types import Article

HERE = Path(__file__).resolve().parent
DEVDATA = HERE / "devdata"
SAMPLE = HERE / "dates" / "sample.jsonl"
CHECKED = HERE / "dates" / "checked.jsonl"
SAMPLE_SIZE = 60


def dated_articles() -> list[Article]:
    out = []
    for corpus in ("wikinews", "globalvoices"):
        with gzip.open(DEVDATA / corpus / "articles.jsonl.gz", "rt", encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                if r.get("published"):
                    out.append(Article(r["id"], r["title"], r["text"], corpus,
                                       published=dt.date.fromisoformat(r["published"][:10])))
    return out


def _key(article_id: str, start: int) -> str:
    return hashlib.sha256(f"{article_id}:{start}".encode()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--score", action="store_true", help="score evals/dates/checked.jsonl")
    args = parser.parse_args()
    articles = dated_articles()
    found = [(a, m) for a in articles for m in find_date_mentions(a)]
    relative = [(a, m) for a, m in found if m.relative]
    print(f"{len(articles)} dated articles, {len(found)} date expressions, {len(relative)} relative ones resolved")
    print("relative by period:", dict(collections.Counter(m.granularity for _, m in relative)))
    if args.score:
        checked = [json.loads(line) for line in CHECKED.read_text(encoding="utf-8").splitlines() if line.strip()]
        right = sum(c["verdict"] == "right" for c in checked)
        print(f"checked by hand: {right} of {len(checked)} right ({right / len(checked):.1%})")
        for c in checked:
            if c["verdict"] != "right":
                print(f"  wrong: {c['text']!r} -> {c['label']} ({c.get('why', '')})")
        return
    sample = sorted(relative, key=lambda am: _key(am[0].id, am[1].start))[:SAMPLE_SIZE]
    SAMPLE.parent.mkdir(exist_ok=True)
    with SAMPLE.open("w", encoding="utf-8") as out:
        for a, m in sample:
            span = next(s for s in sentence_spans(a.text) if s.start <= m.start < s.end)
            assert a.published is not None
            out.write(json.dumps({"article": a.id, "start": m.start, "text": m.text, "label": m.label,
                                  "published": a.published.isoformat(), "weekday": a.published.strftime("%A"),
                                  "sentence": span.of(a.text)}, ensure_ascii=False) + "\n")
    print(f"wrote {len(sample)} to {SAMPLE}")


if __name__ == "__main__":
    main()
