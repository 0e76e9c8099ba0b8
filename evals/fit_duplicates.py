"""Fit the duplicate detector on labelled pairs: `python -m evals.fit_duplicates`.

1. Reads `evals/duplicates/pairs.jsonl.gz` (built by `evals/duplicates/build.py`; what the
   pairs are: `evals/duplicates/SOURCE.md`): simulated republished copies of real articles
   ("duplicate") and pairs of different real articles ("different"), each in the "fit" or
   the "test" split by a hash of the original article's id.
2. Adds every other pair of two different real articles of one split ("all-pairs"; the
   devdata collections hold no republished copy, so each is a true "different"). The file's
   hardest negatives are only the nearest neighbours; these give precision its real
   denominator, since in a corpus almost every pair of articles is two different stories.
3. On the fit split only, for each shingle size of `SHINGLE_GRID`, estimates every pair's
   Jaccard similarity with the detector's own sketch (`index.duplicates.text_minhash`) and
   scans the thresholds of `THRESHOLD_GRID`. A wrong merge hides a story from the user, so
   the aim is the highest recall at precision >= `MIN_PRECISION`; ties go to the higher
   precision, and among thresholds that tie on both, the highest is taken: the fit split
   cannot tell them apart, and of two equal errors a missed copy costs less than a wrong
   merge. Shingle sizes are compared on the same terms, then on the width of that tie (the
   margin between the hardest copy and the most similar different pair), then the smaller
   size wins.
4. On the test split, runs the real `index.duplicates.group_duplicates` (LSH included) on
   each pair of the file and once on all test-split articles together ("all-pairs"), with
   the fitted values, and reports precision, recall and F1 overall, the recall of each
   duplicate kind and the wrong merges of each "different" kind. It also groups all 324
   articles at once (pairs across the splits, which neither split holds) and lists every
   group found: each is a wrong merge. A table of test recall and wrong merges at a few
   other thresholds shows what a stricter value would cost.
5. Prints the values for `DuplicateTuning` (newsrag/tuning.py) and writes the report to
   `evals/duplicates/report.md` (or `--report`).

Deliberately left out: `num_perm` and `min_words` are not fitted. The estimate's error is
about 1/sqrt(num_perm) whatever the data, and every labelled article is longer than
`min_words`, so these pairs could not tell one value of either from another.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from datasketch import MinHash

from evals.duplicates.build import split_of
from index.duplicates import group_duplicates, text_minhash
from newsrag.tuning import DuplicateTuning
from newsrag.types import Article, DuplicateGroup

HERE = Path(__file__).resolve().parent
PAIRS = HERE / "duplicates" / "pairs.jsonl.gz"
DEVDATA = HERE / "devdata"
COLLECTIONS = ("wikinews", "globalvoices")
REPORT = HERE / "duplicates" / "report.md"
SHINGLE_GRID = (3, 4, 5)
THRESHOLD_GRID = tuple(round(0.02 + 0.01 * i, 2) for i in range(97))  # 0.02 ... 0.98
MIN_PRECISION = 0.98
DUPLICATE = "duplicate"
ALL_PAIRS = "all-pairs"
CURVE = (0.15, 0.2, 0.25, 0.3, 0.4)  # other thresholds shown beside the fitted one
# num_perm and min_words come from here; the fit replaces shingle_words and threshold.
_BASE = DuplicateTuning()


@dataclass(frozen=True)
class Pair:
    id: str
    a_id: str
    b_id: str
    a_title: str
    a_text: str
    b_title: str
    b_text: str
    label: str
    kind: str
    split: str


@dataclass(frozen=True)
class Scores:
    """Counts of one decision rule on one set of pairs."""

    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int

    @property
    def precision(self) -> float:
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Choice:
    """The best threshold for one shingle size on the fit split."""

    shingle_words: int
    threshold: float
    margin: int  # how many grid thresholds tie with the chosen one
    fit: Scores
    lowest_duplicate: float  # the estimate of the hardest copy in the fit split
    highest_different: float  # ...and of the most similar pair of different articles


@dataclass(frozen=True)
class CurvePoint:
    """Test-split figures of the MinHash estimate at one threshold (no LSH)."""

    threshold: float
    test: Scores
    collection_wrong_merges: int  # pairs of different articles over all 324, splits mixed


@dataclass(frozen=True)
class KindScores:
    kind: str
    scores: Scores


@dataclass(frozen=True)
class Fit:
    tuning: DuplicateTuning
    choices: tuple[Choice, ...]  # one per shingle size, in SHINGLE_GRID order
    test: Scores
    test_by_kind: tuple[KindScores, ...]
    collection_groups: tuple[DuplicateGroup, ...]  # all 324 real articles grouped at once
    curve: tuple[CurvePoint, ...]


def load_pairs(path: Path = PAIRS) -> list[Pair]:
    """The labelled pairs from `path`, or built in memory by evals/duplicates/build.py when the
    file is absent (it is 2.2 MB, so git keeps the deterministic builder, not the file)."""
    if not path.exists():
        from evals.duplicates.build import build

        return [_pair(row) for row in build()]
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [_pair(json.loads(line)) for line in f]


def _pair(record: Mapping[str, object]) -> Pair:
    """A Pair from one record of the file (every field is text; other keys, like the edit recipe, are left out)."""
    return Pair(**{name: str(record[name]) for name in Pair.__dataclass_fields__})


def load_devdata(root: Path = DEVDATA) -> list[Article]:
    out = []
    for name in COLLECTIONS:
        with gzip.open(root / name / "articles.jsonl.gz", "rt", encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                out.append(Article(id=r["id"], title=r["title"], text=r["text"], source_path=name))
    return sorted(out, key=lambda a: a.id)


def all_pairs(articles: Sequence[Article], split: str, known: set[frozenset[str]]) -> list[Pair]:
    """Every pair of two different real articles of one split that the file does not hold."""
    inside = [a for a in articles if split_of(a.id) == split]
    return [
        Pair(f"{ALL_PAIRS}-{a.id}-{b.id}", a.id, b.id, a.title, a.text, b.title, b.text, "different", ALL_PAIRS, split)
        for i, a in enumerate(inside)
        for b in inside[i + 1 :]
        if frozenset((a.id, b.id)) not in known
    ]


def wrong_merges(groups: Sequence[DuplicateGroup], skip: set[frozenset[str]]) -> int:
    """Pairs of different real articles that the groups put together."""
    return sum(
        1
        for g in groups
        for i, x in enumerate(g.article_ids)
        for y in g.article_ids[i + 1 :]
        if frozenset((x, y)) not in skip
    )


def score(labels: Sequence[bool], predictions: Sequence[bool]) -> Scores:
    counts = collections.Counter(zip(labels, predictions, strict=True))
    return Scores(counts[(True, True)], counts[(False, True)], counts[(True, False)], counts[(False, False)])


@cache
def _sketch(title: str, text: str, shingle_words: int, num_perm: int) -> MinHash:
    # Each original article appears in several pairs: sketch it once per shingle size.
    return text_minhash(title, text, DuplicateTuning(shingle_words=shingle_words, num_perm=num_perm))


def similarity(pair: Pair, tuning: DuplicateTuning) -> float:
    a = _sketch(pair.a_title, pair.a_text, tuning.shingle_words, tuning.num_perm)
    b = _sketch(pair.b_title, pair.b_text, tuning.shingle_words, tuning.num_perm)
    return float(a.jaccard(b))


def choose_threshold(pairs: Sequence[Pair], tuning: DuplicateTuning) -> Choice:
    labels = [p.label == DUPLICATE for p in pairs]
    estimates = [similarity(p, tuning) for p in pairs]
    scored = [(t, score(labels, [e >= t for e in estimates])) for t in THRESHOLD_GRID]

    def rank(s: Scores) -> tuple[bool, float, float]:
        return (s.precision >= MIN_PRECISION, s.recall if s.precision >= MIN_PRECISION else s.f1, s.precision)

    best = max(rank(s) for _, s in scored)
    tied = [t for t, s in scored if rank(s) == best]
    # Highest of the tie: the fit split cannot tell them apart, and precision matters more.
    threshold = tied[-1]
    lowest = min(e for e, label in zip(estimates, labels, strict=True) if label)
    highest = max(e for e, label in zip(estimates, labels, strict=True) if not label)
    return Choice(tuning.shingle_words, threshold, len(tied), dict(scored)[threshold], lowest, highest)


def grouped(pair: Pair, tuning: DuplicateTuning) -> bool:
    """Whether the real grouping (LSH and all) puts the two articles of a pair in one group."""
    a = Article(id=pair.a_id, title=pair.a_title, text=pair.a_text, source_path="a")
    b = Article(id=pair.b_id, title=pair.b_title, text=pair.b_text, source_path="b")
    return bool(group_duplicates([a, b], tuning))


def choose(
    pairs: Sequence[Pair], articles: Sequence[Article], base: DuplicateTuning = _BASE
) -> tuple[DuplicateTuning, tuple[Choice, ...]]:
    """The fitted values (from the fit split only) and the best choice of each shingle size."""
    known = {frozenset((p.a_id, p.b_id)) for p in pairs}
    fitting = [p for p in pairs if p.split == "fit"] + all_pairs(articles, "fit", known)
    choices = tuple(choose_threshold(fitting, replace(base, shingle_words=n)) for n in SHINGLE_GRID)
    best = max(choices, key=lambda c: (c.fit.recall, c.fit.precision, c.margin, -c.shingle_words))
    return replace(base, shingle_words=best.shingle_words, threshold=best.threshold), choices


def fit(pairs: Sequence[Pair], articles: Sequence[Article], base: DuplicateTuning = _BASE) -> Fit:
    known = {frozenset((p.a_id, p.b_id)) for p in pairs}
    testing = [p for p in pairs if p.split == "test"]
    tuning, choices = choose(pairs, articles, base)

    labels = [p.label == DUPLICATE for p in testing]
    predictions = [grouped(p, tuning) for p in testing]
    by_kind: dict[str, list[int]] = collections.defaultdict(list)
    for i, p in enumerate(testing):
        by_kind[p.kind].append(i)
    kinds = [
        KindScores(k, score([labels[i] for i in idx], [predictions[i] for i in idx])) for k, idx in by_kind.items()
    ]
    # The test split's articles grouped together, as an index would: every pair it merges
    # that the file does not already count is a wrong merge among the other real pairs.
    test_articles = [a for a in articles if split_of(a.id) == "test"]
    unseen = len(all_pairs(articles, "test", known))
    merged = wrong_merges(group_duplicates(test_articles, tuning), known)
    kinds.append(KindScores(ALL_PAIRS, Scores(0, merged, 0, unseen - merged)))
    file_scores = score(labels, predictions)
    test = replace(file_scores, false_positives=file_scores.false_positives + merged)
    test = replace(test, true_negatives=file_scores.true_negatives + unseen - merged)
    collection_groups = group_duplicates(articles, tuning)
    return Fit(
        tuning,
        choices,
        test,
        tuple(sorted(kinds, key=lambda k: k.kind)),
        collection_groups,
        curve(pairs, articles, known, tuning),
    )


def curve(
    pairs: Sequence[Pair], articles: Sequence[Article], known: set[frozenset[str]], tuning: DuplicateTuning
) -> tuple[CurvePoint, ...]:
    testing = [p for p in pairs if p.split == "test"] + all_pairs(articles, "test", known)
    labels = [p.label == DUPLICATE for p in testing]
    estimates = [similarity(p, tuning) for p in testing]
    every = [
        Pair("", a.id, b.id, a.title, a.text, b.title, b.text, "different", ALL_PAIRS, "")
        for i, a in enumerate(articles)
        for b in articles[i + 1 :]
    ]
    every_estimates = [similarity(p, tuning) for p in every]
    return tuple(
        CurvePoint(t, score(labels, [e >= t for e in estimates]), sum(e >= t for e in every_estimates))
        for t in sorted({tuning.threshold, *CURVE})
    )


def _line(name: str, s: Scores) -> str:
    return f"| {name} | {s.true_positives + s.false_negatives} | {s.false_positives + s.true_negatives} | " + (
        f"{s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} |"
    )


def report(result: Fit, pairs: Sequence[Pair], articles: Sequence[Article]) -> str:
    t = result.tuning
    counts = collections.Counter((p.split, p.kind) for p in pairs)
    known = {frozenset((p.a_id, p.b_id)) for p in pairs}
    n_fit, n_test = (len(all_pairs(articles, split, known)) for split in ("fit", "test"))
    out = [
        "# Duplicate detection: fitted values and held-out scores",
        "",
        "Written by `python -m evals.fit_duplicates` from `evals/duplicates/pairs.jsonl.gz`",
        "(simulated republication edits of real articles vs. pairs of different real articles;",
        "see `SOURCE.md`). Threshold and shingle size chosen on the fit split only: highest",
        f"recall at precision >= {MIN_PRECISION}, ties to higher precision, then the highest tied threshold.",
        "The classes separate on both splits, so the test figures are an upper bound, and the",
        "margin between the hardest copy and the closest different pair is thin (SOURCE.md, Limits).",
        "",
        "## Pairs",
        "",
        "| kind | fit | test |",
        "|---|---|---|",
        *(f"| {k} | {counts[('fit', k)]} | {counts[('test', k)]} |" for k in sorted({p.kind for p in pairs})),
        f"| {ALL_PAIRS} (from the devdata, not in the file) | {n_fit} | {n_test} |",
        "",
        "## Fit split, best threshold per shingle size (MinHash estimate >= threshold)",
        "",
        "| shingle_words | threshold | tied thresholds | precision | recall | F1 | hardest copy | closest different |",
        "|---|---|---|---|---|---|---|---|",
        *(
            f"| {c.shingle_words} | {c.threshold:.2f} | {c.margin} | {c.fit.precision:.3f} | "
            f"{c.fit.recall:.3f} | {c.fit.f1:.3f} | {c.lowest_duplicate:.3f} | {c.highest_different:.3f} |"
            for c in result.choices
        ),
        "",
        "## Values for `DuplicateTuning` (newsrag/tuning.py)",
        "",
        f"shingle_words={t.shingle_words}, num_perm={t.num_perm}, threshold={t.threshold}, min_words={t.min_words}",
        "",
        "## Test split, `group_duplicates` on each pair (LSH included)",
        "",
        'A positive is a pair grouped together. For a "different" kind, precision and recall are',
        "undefined (no duplicates); read its wrong merges in the column `merged`.",
        "",
        "| kind | duplicates | different | precision | recall | F1 |",
        "|---|---|---|---|---|---|",
        _line("**all**", result.test),
        *(_line(k.kind, k.scores) for k in result.test_by_kind if k.scores.true_positives + k.scores.false_negatives),
        "",
        "| different kind | pairs | merged (false positives) |",
        "|---|---|---|",
        *(
            f"| {k.kind} | {k.scores.false_positives + k.scores.true_negatives} | {k.scores.false_positives} |"
            for k in result.test_by_kind
            if not k.scores.true_positives + k.scores.false_negatives
        ),
        "",
        f"## All {len(articles)} real articles grouped at once (pairs across the splits included)",
        "",
        "The collections hold no republished copy, so every group here is a wrong merge.",
        "",
        *(f"- {' + '.join(g.article_ids)} (similarity {g.similarity:.3f})" for g in result.collection_groups),
        *(["- none"] if not result.collection_groups else []),
        "",
        "## Other thresholds (test split, MinHash estimate without LSH)",
        "",
        f"| threshold | precision | recall | F1 | wrong merges, test | wrong merges, all {len(articles)} articles |",
        "|---|---|---|---|---|---|",
        *(
            f"| {c.threshold:.2f}{' (fitted)' if c.threshold == t.threshold else ''} | {c.test.precision:.3f} | "
            f"{c.test.recall:.3f} | {c.test.f1:.3f} | {c.test.false_positives} | {c.collection_wrong_merges} |"
            for c in result.curve
        ),
        "",
    ]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None, emit: Callable[[str], None] = print) -> Fit:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    pairs = load_pairs(args.pairs)
    articles = load_devdata()
    result = fit(pairs, articles)
    text = report(result, pairs, articles)
    args.report.write_text(text, encoding="utf-8")
    emit(text)
    return result


if __name__ == "__main__":
    main()
