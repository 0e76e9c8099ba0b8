"""Every sentence `rag.research.disputed_claims.is_disputed` flags in the development collections, to read by hand.

`python -m evals.disputed_check` splits every article of evals/devdata (Wikinews CC BY 2.5,
Global Voices CC BY 3.0) and the seeds into sentences, prints the count and writes each
flagged one to evals/disagreement/disputed.jsonl. A person reads each and records in
evals/disagreement/disputed_checked.jsonl whether it really reports a claim and a denial
of it by another party ("right") or not ("wrong"); `--score` prints the precision.

Recall is estimated on the labelled disagreeing pairs of evals/disagreement/pairs.jsonl: the
share of "disagree" pairs of the reported-claim-and-denial kind with a flagged sentence.

Deliberately left out: tuning the rule on what was read (the rule was fixed before reading).
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

from newsrag.text import sentence_spans
from rag.research.disputed_claims import is_disputed

HERE = Path(__file__).resolve().parent
OUT = HERE / "disagreement" / "disputed.jsonl"
CHECKED = HERE / "disagreement" / "disputed_checked.jsonl"
PAIRS = HERE / "disagreement" / "pairs.jsonl"


def articles() -> list[tuple[str, str]]:
    out = []
    for corpus in ("wikinews", "globalvoices"):
        with gzip.open(HERE / "devdata" / corpus / "articles.jsonl.gz", "rt", encoding="utf-8") as f:
            out += [(r["id"], r["text"]) for r in map(json.loads, f)]
    seeds = HERE.parent / "seeds"
    out += [(p.name, p.read_text(encoding="utf-8")) for p in sorted(seeds.glob("*.txt"))]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--score", action="store_true")
    args = parser.parse_args()
    sentences = [(aid, " ".join(s.of(text).split())) for aid, text in articles() for s in sentence_spans(text)]
    flagged = [(aid, s) for aid, s in sentences if is_disputed(s)]
    print(f"{len(sentences)} sentences, {len(flagged)} flagged as a claim reported with its denial")
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    disagree = [p for p in pairs if p["label"] == "disagree"]
    hit = [p for p in disagree if is_disputed(p["a"]) or is_disputed(p["b"])]
    print(f"labelled disagreeing pairs with a flagged sentence: {len(hit)} of {len(disagree)}")
    if args.score:
        checked = [json.loads(line) for line in CHECKED.read_text(encoding="utf-8").splitlines() if line.strip()]
        right = sum(c["verdict"] == "right" for c in checked)
        dev = [c for c in checked if not c["article"].endswith(".txt")]
        dev_right = sum(c["verdict"] == "right" for c in dev)
        print(f"precision read by hand: {right} of {len(checked)} ({right / len(checked):.2f}); "
              f"without the seeds {dev_right} of {len(dev)} ({dev_right / max(1, len(dev)):.2f})")
        return
    with OUT.open("w", encoding="utf-8") as out:
        for aid, s in flagged:
            out.write(json.dumps({"article": aid, "sentence": s}, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
