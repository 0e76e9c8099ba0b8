"""The development question sets: real news from other outlets, split by article.

`evals/devdata/<collection>/` holds one public collection each: `articles.jsonl.gz`
(the articles), `questions*.jsonl` (questions in the `evals/FORMAT.md` format, each
naming its `article`; one file per writing round, read in name order), `SOURCE.md`
(origin and licence) and `build.py` (how the articles were selected). The seeds' own
gold set is a separate set.

Every article falls in the "fit", "validation" or "test" split by a hash of its id, so
the split is stable, needs no list, and no test article is ever seen while fitting or
choosing: models are fitted on "fit"; what is chosen by measurement (the reader's
training length, how its score is combined with the retrieval signals, the refusal
threshold) is chosen on "validation"; "test" is only measured. The fitting index holds
the fit articles only; the validation index the fit and validation articles; the test
index every article (the test questions then face the others as distractors too, as a
user's would).

Deliberately left out: scoring (evals/fit.py fits, evals/compare.py measures).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.gold import GoldItem, load_gold
from newsrag.errors import InputError
from newsrag.settings import Settings

DEVDATA_DIR = Path(__file__).resolve().parent / "devdata"
# Shares of the hash range; questions follow their article. The test split is the lowest
# 30 %, a subset of the half that was the test split before the validation split existed,
# so no test article has ever been fitted on; validation is the rest of that old half.
TEST_SHARE = 0.3
VALIDATION_SHARE = 0.2
SPLITS = ("fit", "validation", "test")


@dataclass(frozen=True)
class DevArticle:
    id: str
    collection: str
    title: str
    text: str
    url: str | None
    source: str | None
    published: str | None


@dataclass(frozen=True)
class DevCollection:
    name: str
    articles: tuple[DevArticle, ...]
    items: tuple[GoldItem, ...]


def split_of(article_id: str) -> str:
    """"fit", "validation" or "test", from a hash of the article id (stable across machines and runs).

    The test split is a part of the half that has always been the test split.
    """
    bucket = int(hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    if bucket < TEST_SHARE:
        return "test"
    return "validation" if bucket < TEST_SHARE + VALIDATION_SHARE else "fit"


def _read_articles(path: Path, name: str) -> tuple[DevArticle, ...]:
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for n, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"expected one JSON article per line in {path}, got invalid JSON on line {n}: {exc}",
                                 fix="rebuild the collection with its build.py") from exc
            out.append(DevArticle(str(r["id"]), name, r["title"], r["text"], r.get("url"), r.get("source"),
                                  r.get("published")))
    return tuple(out)


def load_collections(root: Path = DEVDATA_DIR) -> list[DevCollection]:
    """Every collection under `root` that has both articles and questions."""
    out = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        articles, files = folder / "articles.jsonl.gz", sorted(folder.glob("questions*.jsonl"))
        if not (articles.is_file() and files):
            continue
        arts = _read_articles(articles, folder.name)
        known = {a.id for a in arts}
        items: list[GoldItem] = []
        for questions in files:
            batch = load_gold(questions).items
            stray = [i.id for i in batch if i.article not in known]
            if stray:
                raise InputError(f"expected every question in {questions} to name an article of the collection, "
                                 f"got {len(stray)} that do not (e.g. {stray[:3]})",
                                 fix="set 'article' to an article id")
            items.extend(batch)
        ids = [i.id for i in items]
        if len(set(ids)) != len(ids):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            raise InputError(f"expected question ids unique within {folder}, got {len(twice)} used twice "
                             f"(e.g. {twice[:3]})", fix="rename the later question")
        out.append(DevCollection(folder.name, arts, tuple(items)))
    if not out:
        raise InputError(f"expected development collections under {root}, got none",
                         fix="restore evals/devdata/ from the repository")
    return out


def items_in(collections: Sequence[DevCollection], split: str) -> list[GoldItem]:
    return [i for c in collections for i in c.items if i.article and split_of(i.article) == split]


def write_articles(collections: Sequence[DevCollection], folder: Path, split: str | None) -> Path:
    """The articles an index for `split` holds, as one JSONL file per collection, for the indexer:
    "fit" the fit articles, "validation" the fit and validation ones, None every article."""
    folder.mkdir(parents=True, exist_ok=True)
    allowed = {"fit": {"fit"}, "validation": {"fit", "validation"}}.get(split or "", set(SPLITS))
    for c in collections:
        rows = [a for a in c.articles if split_of(a.id) in allowed]
        with open(folder / f"{c.name}.jsonl", "w", encoding="utf-8") as handle:
            for a in rows:
                record = {"title": a.title, "text": a.text, "url": a.url, "source": a.source,
                          "published": a.published}
                handle.write(json.dumps({k: v for k, v in record.items() if v}, ensure_ascii=False) + "\n")
    return folder


def build_index(settings: Settings, articles_folder: Path) -> None:
    """Index `articles_folder` into settings.data_dir with the real embedder (incremental)."""
    from index.pipeline import Indexer

    report = Indexer.from_settings(settings).index([articles_folder])
    if report.problems:
        raise InputError(f"expected every development article to index, got {len(report.problems)} problems: "
                         f"{report.problems[0].message}", fix="rebuild the collection with its build.py")


def composition(collections: Sequence[DevCollection]) -> str:
    """A markdown table: questions per collection and split, with articles, unanswerable and
    follow-up counts (`python -m evals.devset`)."""
    lines = ["| collection | split | articles | articles asked about | questions | unanswerable | followup | "
             "multi_sentence |", "|---|---|---|---|---|---|---|---|"]
    for c in collections:
        for split in SPLITS:
            items = [i for i in c.items if i.article and split_of(i.article) == split]
            articles = sum(split_of(a.id) == split for a in c.articles)
            lines.append(f"| {c.name} | {split} | {articles} | {len({i.article for i in items})} | {len(items)} | "
                         f"{sum(not i.answerable for i in items)} | {sum(i.category == 'followup' for i in items)} | "
                         f"{sum(i.category == 'multi_sentence' for i in items)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(composition(load_collections()))
