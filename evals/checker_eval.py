"""Measure the support checker on labelled (claim, evidence passage) pairs.

`evals/checker_pairs.jsonl` holds one pair per line: `claim`, `evidence` (a passage of a
seed article, about the size of an index chunk), `supported` (the label), `category`
and `origin`. Pairs with origin "hand" were written by a person (paraphrases, role
reversals with passives, partial claims); pairs with origin "generated" are derived
here, deterministically, from real seed sentences:

- supported-verbatim: the seed sentence itself;
- contradicted-date / -number / -name: one date, number or name changed;
- role-reversed: the two actors around a verb swapped;
- unrelated: a sentence from one article against the most word-similar passage of another;
- partially-supported: a real sentence plus an invented clause.

`python -m evals.checker_eval` prints precision/recall/F1 of "supported" overall and
accuracy per category, without and with the packaged MiniLM embedder.
`python -m evals.checker_eval --write` regenerates the generated pairs (hand pairs kept).

Deliberately left out: an NLI model (none is available offline).
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from newsrag.text import sentence_spans, words
from newsrag.types import Citation
from rag.checking.support_checker import SupportChecker
from rag.language.anchors import MONTHS, NUMBER_WORDS, anchor_in, find_anchors

EVALS_DIR = Path(__file__).resolve().parent
PAIRS_PATH = EVALS_DIR / "checker_pairs.jsonl"
SEEDS_DIR = EVALS_DIR.parent / "seeds"
PASSAGE_CHARS = 700  # about one index chunk (192 tokens)

CATEGORIES = (
    "supported-verbatim", "supported-paraphrase", "contradicted-date", "contradicted-number",
    "contradicted-name", "role-reversed", "unrelated", "partially-supported",
)

# Invented clauses for partially-supported pairs: some carry a new name or number (the
# anchor rule should catch them), some do not (only coverage/similarity can).
EXTRA_CLAUSES = (
    ", and Turkey condemned the decision the next day",
    ", after which the army withdrew all of its troops from the region",
    ", killing at least 12 people",
    ", a move that drew sharp criticism from European lawmakers",
    ", and promised to pay compensation to the families of the victims",
    ", although the parliament later voted to reverse the plan",
    ", according to a statement from the United Nations",
    ", and the talks collapsed within hours amid mutual accusations",
)


@dataclass(frozen=True)
class Pair:
    claim: str
    evidence: str
    supported: bool
    category: str
    origin: str  # "hand" or "generated"

    def to_json(self) -> str:
        return json.dumps({"claim": self.claim, "evidence": self.evidence, "supported": self.supported,
                           "category": self.category, "origin": self.origin}, ensure_ascii=False)


@dataclass(frozen=True)
class SeedSentence:
    article: int
    text: str
    passage: str


def seed_passages(seeds_dir: Path = SEEDS_DIR) -> list[list[str]]:
    """Per article, its body paragraphs grouped greedily into ~PASSAGE_CHARS passages."""
    out = []
    for path in sorted(seeds_dir.glob("*.txt")):
        paras = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        # The first line is the headline, unless it reads as a sentence (some files have none).
        start = 0 if paras and paras[0].rstrip()[-1:] in ".!?" else 1
        body = [p for p in paras[start:] if len(words(p)) >= 8 and "|" not in p and "©" not in p]
        passages: list[str] = []
        for para in body:
            if passages and len(passages[-1]) + len(para) + 1 <= PASSAGE_CHARS:
                passages[-1] += "\n" + para
            else:
                passages.append(para)
        out.append(list(dict.fromkeys(passages)))
    return out


def seed_sentences(passages: list[list[str]]) -> list[SeedSentence]:
    out, seen = [], set()
    for art, plist in enumerate(passages):
        for passage in plist:
            for span in sentence_spans(passage):
                text = span.of(passage)
                n = len(words(text))
                if 8 <= n <= 45 and text not in seen and text[-1] in ".!?\"”":
                    seen.add(text)
                    out.append(SeedSentence(art, text, passage))
    return out


# --- contradiction generators -------------------------------------------------------------
_MONTH_NAMES = list(dict.fromkeys(MONTHS.values()))


def _shift_date(text: str, variant: int) -> str | None:
    if variant == 0:  # change the day (or the year when there is no day)
        m = re.search(r"(?<!\d)(\d{1,2})(?!\d)", text)
        if m:
            day = int(m.group(1))
            new = day + 4 if day <= 24 else day - 6
            return text[: m.start()] + str(new) + text[m.end():]
        m = re.search(r"\d{4}", text)
        return text[: m.start()] + str(int(m.group(0)) + 3) + text[m.end():] if m else None
    words_ = text.split()
    for i, w in enumerate(words_):  # change the month, written out in full
        key = w.lower().strip(".,")
        if key in MONTHS:
            month = _MONTH_NAMES[(_MONTH_NAMES.index(MONTHS[key]) + 2) % 12]
            words_[i] = month.capitalize()
            return " ".join(words_)
    return None


def _change_number(text: str, variant: int) -> str:
    key = text.lower()
    if key in NUMBER_WORDS:
        return ({"two": "five", "three": "seven"}, {"two": "three", "three": "four"})[variant].get(key, "eleven")
    digits = text.replace(",", "")
    if digits.isdigit():
        n = int(digits)
        new = (n * 2 if n < 10 else n + 15 if n < 100 else n + 1000) if variant == 0 else n + 1
        return f"{new:,}" if "," in text else str(new)
    return text + "0"


def generate_pairs(passages: list[list[str]]) -> list[Pair]:
    sents = seed_sentences(passages)
    pairs: list[Pair] = []
    # supported-verbatim: every other sentence, up to 20
    for s in sents[::3][:20]:
        pairs.append(Pair(s.text, s.passage, True, "supported-verbatim", "generated"))
    # contradicted-date and -number: each anchor changed (two variants for dates)
    for s in sents:
        for a in find_anchors(s.text):
            if a.kind == "date":
                for variant in (0, 1):
                    new = _shift_date(a.text, variant)
                    if new and new != a.text:
                        claim = s.text[: a.start] + new + s.text[a.end:]
                        pairs.append(Pair(claim, s.passage, False, "contradicted-date", "generated"))
            elif a.kind == "number":
                for variant in (0, 1):
                    claim = s.text[: a.start] + _change_number(a.text, variant) + s.text[a.end:]
                    pairs.append(Pair(claim, s.passage, False, "contradicted-number", "generated"))
    # contradicted-name: a person or place from another article that the passage never names
    # Every mention counts, so a name the articles repeat is drawn more often. (A test of
    # `a.key not in all_names` stood here, always true: it compared a key with (article, text,
    # key) triples. Dropping repeats would change the generated pairs the gates are set on.)
    all_names: list[tuple[int, str, str]] = []
    for s in sents:
        for a in find_anchors(s.text):
            if a.kind == "name" and len(a.key.split()) <= 3 and len(a.key) > 3:
                all_names.append((s.article, a.text, a.key))
    made = 0
    for i, s in enumerate(sents):
        if made >= 20:
            break
        names = [a for a in find_anchors(s.text) if a.kind == "name" and a.start > 0]
        if not names or i % 2:
            continue
        target = names[len(names) // 2]
        for art, text, _key in all_names[(i * 7) % len(all_names):] + all_names:
            probe = find_anchors(text)
            if art != s.article and probe and not anchor_in(probe[0], s.passage):
                pairs.append(Pair(s.text[: target.start] + text + s.text[target.end:], s.passage, False,
                                  "contradicted-name", "generated"))
                made += 1
                break
    # role-reversed: "A <verb>ed (the) B" with A opening the sentence -> "B <verb>ed (the) A"
    for s in sents:
        names = [a for a in find_anchors(s.text) if a.kind == "name"]
        if len(names) < 2 or names[0].start > 4:
            continue
        a = names[0]
        m = re.match(r"\s+(?:has |have |had )?(\w+ed|told|met|sent)\s+(?:the\s+)?", s.text[a.end:])
        b = next((n for n in names[1:] if m and n.start == a.end + m.end()), None)
        if b is None or a.key.split()[-1] == b.key.split()[-1] or "'" in a.text + b.text or "’" in a.text + b.text:
            continue
        claim = s.text[: a.start] + b.text + s.text[a.end: b.start] + a.text + s.text[b.end:]
        pairs.append(Pair(claim, s.passage, False, "role-reversed", "generated"))
    # unrelated: a sentence against the most word-similar passage of another article
    from rag.checking.support_checker import coverage

    for s in sents[1::4][:16]:
        others = [p for art, plist in enumerate(passages) if art != s.article for p in plist]
        best = max(others, key=lambda p: (coverage(s.text, p)[0], p))
        pairs.append(Pair(s.text, best, False, "unrelated", "generated"))
    # partially-supported: a real sentence plus an invented clause
    for k, s in enumerate(sents[2::4][:16]):
        base = s.text.rstrip(".\"”").rstrip()
        if s.text[-1] in "\"”":
            continue  # a quote ends the sentence; an appended clause would read as quoted
        pairs.append(Pair(base + EXTRA_CLAUSES[k % len(EXTRA_CLAUSES)] + ".", s.passage, False,
                          "partially-supported", "generated"))
    return pairs


# --- file handling --------------------------------------------------------------------------
def load_pairs(path: Path = PAIRS_PATH) -> list[Pair]:
    pairs = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["category"] not in CATEGORIES:
            raise ValueError(f"{path}:{n}: expected a category in {CATEGORIES}, got {row['category']!r}")
        pairs.append(Pair(row["claim"], row["evidence"], bool(row["supported"]), row["category"], row["origin"]))
    return pairs


def write_pairs(path: Path = PAIRS_PATH) -> list[Pair]:
    hand = [p for p in load_pairs(path) if p.origin == "hand"] if path.exists() else []
    pairs = hand + generate_pairs(seed_passages())
    path.write_text("".join(p.to_json() + "\n" for p in pairs), encoding="utf-8")
    return pairs


# --- measurement ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    accuracy_by_category: dict[str, tuple[float, int]]  # category -> (share judged right, count)


def _citation(evidence: str) -> Citation:
    return Citation(1, "eval", "eval#0", "eval", "eval", evidence, evidence, 0, len(evidence))


def evaluate(checker: SupportChecker, pairs: Sequence[Pair]) -> Scores:
    tp = fp = fn = 0
    right: dict[str, list[bool]] = {}
    for p in pairs:
        got = checker.check(p.claim + " [1]", [_citation(p.evidence)]).supported
        tp += got and p.supported
        fp += got and not p.supported
        fn += (not got) and p.supported
        right.setdefault(p.category, []).append(got == p.supported)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    by_cat = {c: (sum(v) / len(v), len(v)) for c, v in sorted(right.items())}
    return Scores(precision, recall, f1, by_cat)


def _print(name: str, s: Scores) -> None:
    print(f"\n== {name}: precision {s.precision:.3f}  recall {s.recall:.3f}  F1 {s.f1:.3f}")
    for cat, (acc, n) in s.accuracy_by_category.items():
        print(f"   {cat:<22} {acc:6.1%} right of {n}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="regenerate the generated pairs, keep hand ones")
    parser.add_argument("--no-embedder", action="store_true", help="skip the run with the MiniLM embedder")
    args = parser.parse_args(argv)
    pairs = write_pairs() if args.write else load_pairs()
    print(f"{len(pairs)} pairs from {PAIRS_PATH.name}")
    _print("heuristic, no embedder", evaluate(SupportChecker(), pairs))
    if not args.no_embedder:
        from index.embedder import load_index_embedder
        from newsrag.settings import Settings

        embedder = load_index_embedder(Settings())
        _print("heuristic + MiniLM similarity", evaluate(SupportChecker(embedder=embedder), pairs))
    return 0


if __name__ == "__main__":
    from newsrag.offline import configure_offline

    configure_offline()
    raise SystemExit(main())
