"""Mechanical checks of the development question sets, run before a question is kept.

`python -m evals.devdata.verify [QUESTIONS.jsonl ...]` (default: every
`evals/devdata/*/questions*.jsonl`) checks each item against the articles of its folder
and of the whole collection, and prints every problem with its file and line:

- the item parses in the `evals/FORMAT.md` format and its id is unique across all files;
- `article` names an article of the file's own folder;
- answerable: every evidence string is a whole sentence of the article as newsrag cleans
  and splits it (`index.cleaning.clean_story_text`, `newsrag.text.sentence_spans`), and
  some answer string occurs in the evidence (case folded);
- unanswerable: `notes` reads ``anchor: A[, A2]; cue: C[, C2]``. The anchors are words of
  the question that pin the topic; every anchor occurs in the article (it is on topic),
  and no sentence of any article of any collection holds every anchor and any cue (the
  words an answer would have to state: "injur" for how many were injured). So the
  detail asked for is stated nowhere, by the writer's own account of what stating it
  would take;
- the question is not copied from its evidence (at most 80 % of its words, in order).

Deliberately left out: judging whether a question is natural or whether the cue words
are the right ones; people do that when they write and review the items.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from evals.gold import CATEGORIES, GoldItem, parse_item
from index.cleaning import clean_story_text
from newsrag.text import sentence_spans

DEVDATA_DIR = Path(__file__).resolve().parent
_NOTES = re.compile(r"^\s*anchor:\s*(?P<anchors>[^;]+);\s*cue:\s*(?P<cues>.+?)\s*$", re.IGNORECASE)
MAX_COPIED_SHARE = 0.8


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def article_sentences(title: str, text: str) -> tuple[str, ...]:
    """The sentences newsrag makes of one article (what evidence must be copied from)."""
    out: list[str] = []
    for story in clean_story_text(text, title=title, split_stories=False):
        out.extend(s.of(story.text) for s in sentence_spans(story.text))
    return tuple(out)


def read_articles(folder: Path) -> dict[str, tuple[str, ...]]:
    """Article id -> its cleaned sentences, for one collection folder."""
    path = folder / "articles.jsonl.gz"
    if not path.is_file():
        return {}
    out: dict[str, tuple[str, ...]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                out[str(record["id"])] = article_sentences(record["title"], record["text"])
    return out


def _terms(spec: str) -> list[str]:
    return [t.strip().lower() for t in spec.split(",") if t.strip()]


def _copied_share(question: str, evidence: str) -> float:
    q, e = question.lower().split(), evidence.lower().split()
    if not q:
        return 0.0
    blocks = SequenceMatcher(None, q, e, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / len(q)


def check_item(item: GoldItem, sentences: tuple[str, ...], every_sentence: Sequence[str]) -> list[str]:
    """Problems of one parsed item, given its article's sentences and every sentence of the collection."""
    problems: list[str] = []
    if not any(t in CATEGORIES for t in item.types):
        problems.append(f"expected one category tag of {CATEGORIES} in types, got {list(item.types)}")
    if "followup" in item.types and not item.history:
        problems.append("expected a history for a followup item, got none")
    if item.answerable:
        found = set(sentences)
        for ev in item.evidence:
            if ev.text not in found:
                problems.append(f"expected evidence to be a whole sentence of article {item.article}, "
                                f"got {ev.text[:80]!r}")
        joined = " ".join(ev.text for ev in item.evidence).lower()
        if not any(a.lower() in joined for a in item.answers):
            problems.append(f"expected some answer of {list(item.answers)} in the evidence, got none")
        for ev in item.evidence:
            share = _copied_share(item.question, ev.text)
            if share > MAX_COPIED_SHARE:
                problems.append(f"expected a paraphrased question, got {share:.0%} of its words copied in order "
                                "from the evidence")
        return problems
    m = _NOTES.match(item.notes)
    if not m:
        return [*problems, f"expected notes 'anchor: A[, A2]; cue: C[, C2]' on an unanswerable item, "
                           f"got {item.notes!r}"]
    anchors, cues = _terms(m["anchors"]), _terms(m["cues"])
    article_text = " ".join(sentences).lower()
    missing = [a for a in anchors if a not in article_text]
    if missing:
        problems.append(f"expected every anchor in article {item.article} (on topic), got {missing} missing")
    for s in every_sentence:
        low = s.lower()
        if all(a in low for a in anchors) and any(c in low for c in cues):
            problems.append(f"expected no sentence of the collection to hold anchors {anchors} and a cue of "
                            f"{cues}, got {s[:100]!r}")
            break
    return problems


def verify(paths: Iterable[Path], root: Path = DEVDATA_DIR) -> list[Problem]:
    """Every problem of the question files in `paths` (ids are checked across all of root's files)."""
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    articles = {f.name: read_articles(f) for f in folders}
    every_sentence = [s for arts in articles.values() for sents in arts.values() for s in sents]
    seen_ids: dict[str, str] = {}
    for f in folders:
        for qpath in sorted(f.glob("questions*.jsonl")):
            for line in qpath.read_text(encoding="utf-8").splitlines():
                if line.strip() and not line.startswith("#"):
                    seen_ids.setdefault(str(json.loads(line).get("id")), str(qpath))
    problems: list[Problem] = []
    ids: set[str] = set()
    for path in paths:
        own = articles.get(path.resolve().parent.name, {})
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            parse_problems: list[str] = []
            try:
                item = parse_item(json.loads(line), n, parse_problems)
            except json.JSONDecodeError as exc:
                problems.append(Problem(str(path), n, f"expected one JSON object, got {exc}"))
                continue
            problems.extend(Problem(str(path), n, p) for p in parse_problems)
            if item is None:
                continue
            if item.id in ids:
                problems.append(Problem(str(path), n, f"expected a unique id, got {item.id!r} twice"))
            ids.add(item.id)
            other = seen_ids.get(item.id)
            if other and Path(other).resolve() != path.resolve():
                problems.append(Problem(str(path), n, f"expected a unique id, got {item.id!r} also in {other}"))
            if item.article not in own:
                problems.append(Problem(str(path), n, f"expected 'article' to name an article of "
                                                      f"{path.parent.name}, got {item.article!r}"))
                continue
            problems.extend(Problem(str(path), n, p) for p in check_item(item, own[item.article], every_sentence))
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    paths = [Path(a) for a in args] or sorted(DEVDATA_DIR.glob("*/questions*.jsonl"))
    problems = verify(paths)
    for p in problems:
        print(p)
    print(f"{len(problems)} problems in {len(paths)} files")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
