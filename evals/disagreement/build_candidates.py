"""Mine candidate sentence pairs for the disagreement set: `python -m evals.disagreement.build_candidates`.

Reads the two development collections (`evals/devdata/wikinews`, `evals/devdata/globalvoices`)
and the seeds (`seeds/`, loaded by the product's loader), splits them into sentences with
the product's splitter, embeds every sentence with the packaged MiniLM (unit vectors) and
writes `evals/disagreement/candidates.jsonl`: pairs worth reading, each with the route
that found it. The routes (caps per corpus in `CAPS`):

- denial: a sentence with a denial word or phrase and its two most similar sentences
  (same article or another one), cosine >= 0.45;
- negation: the same for a sentence with a plain negation (not, never, n't);
- adjacent: a denial or negation sentence and each of the three sentences before it in
  its article with cosine >= 0.3 (news states the claim, then the denial);
- figure_clash / figure_match: two similar sentences (cosine >= 0.45) that put numbers on
  the same slot word with different values (a possible clash), or the same one (a hard
  negative);
- denial_article: a sentence with a denial word and its four most similar sentences of
  the same article (cosine >= 0.4): the claim a denial answers is usually in its story;
- denial_before: a sentence with a denial word and the two sentences before it ("...
  denied the accusation" answers the sentence before, whatever its cosine);
- denial_names: a sentence with a denial word and the six most similar sentences of its
  article that share a name with it;
- figure_article: two sentences of one article (cosine >= 0.3) that put different numbers
  on the same slot word (two sources' estimates);
- date_clash: two sentences that both name a day and share none (same article, or
  cosine >= 0.5);
- similar: cross-article pairs with cosine >= 0.6 that share a name (same event);
- unrelated: pairs of one article with cosine < 0.2 (easy negatives).

Everything is deterministic (sorted inputs, a seeded generator), so the candidate pool is
reproducible. Deliberately left out: labels. `pairs.jsonl` is the hand-labelled output,
each pair read and judged (see SOURCE.md).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsrag.text import STOPWORDS, normalize, sentence_spans, stem, words
from newsrag.vocab import vocabulary
from rag.language.anchors import find_anchors

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CORPORA = ("wikinews", "globalvoices")
CAPS = {"denial": 45, "adjacent": 45, "negation": 12, "figure_clash": 45, "figure_match": 15, "similar": 15,
        "unrelated": 8, "denial_article": 60, "figure_article": 40, "date_clash": 12,
        "denial_before": 40, "denial_names": 70}
SEED_CAPS = {"denial": 14, "adjacent": 8, "negation": 4, "figure_clash": 4, "figure_match": 2, "similar": 4,
             "unrelated": 2, "denial_article": 0, "figure_article": 0, "date_clash": 0,
             "denial_before": 0, "denial_names": 0}


# The mining cues, kept apart from the model's features (rag/research/conflict_features.py) so
# that changing the features does not change the pool that was labelled: any denial word
# or phrase, whatever its object, plus words calling something false.
_DENIAL = vocabulary("denial") | vocabulary("falsity")
_DENIAL_WORDS = frozenset(d for d in _DENIAL if " " not in d)
_DENIAL_PHRASES = tuple(sorted(d for d in _DENIAL if " " in d))
_NEGATIONS = vocabulary("negations")
_SKIP = STOPWORDS | vocabulary("number_words") | vocabulary("months")
_WORD = re.compile(r"[a-z][a-z'-]*")
_BREAK = re.compile(r"[\d,;:.()]")


@dataclass(frozen=True)
class Cues:
    """What mining reads from a sentence."""

    denials: int
    negations: int
    names: frozenset[str]
    days: frozenset[str]  # date keys with a day
    figures: frozenset[tuple[str, str]]  # (slot word, value): the word before a number or the two after


def _slot_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(normalize(text)) if w not in _SKIP]


def read_cues(text: str) -> Cues:
    toks = words(text)
    joined = " " + " ".join(toks) + " "
    anchors = find_anchors(text)
    figures: set[tuple[str, str]] = set()
    for a in anchors:
        if a.kind == "number":
            after = _slot_words(_BREAK.split(text[a.end:a.end + 40])[0])[:2]
            before = _slot_words(_BREAK.split(text[max(0, a.start - 30):a.start])[-1])[-1:]
            figures.update((stem(w), a.key) for w in after + before)
    days = frozenset(a.key for a in anchors if a.kind == "date" and any(p.isdigit() and len(p) <= 2
                                                                        for p in a.key.split()))
    return Cues(sum(t in _DENIAL_WORDS for t in toks) + sum(joined.count(f" {p} ") for p in _DENIAL_PHRASES),
                sum(t in _NEGATIONS or t.endswith("n't") for t in toks),
                frozenset(a.key for a in anchors if a.kind == "name"), days, frozenset(figures))


def figure_clash(a: Cues, b: Cues) -> tuple[bool, bool]:
    """(a slot word both put a number on, with no common value; one with a common value)."""
    slots_a: dict[str, set[str]] = {}
    slots_b: dict[str, set[str]] = {}
    for slot, value in a.figures:
        slots_a.setdefault(slot, set()).add(value)
    for slot, value in b.figures:
        slots_b.setdefault(slot, set()).add(value)
    shared = slots_a.keys() & slots_b.keys()
    return any(not slots_a[s] & slots_b[s] for s in shared), any(slots_a[s] & slots_b[s] for s in shared)


@dataclass(frozen=True)
class Sentence:
    text: str
    article_id: str
    corpus: str


def _sentences(article_id: str, text: str, corpus: str) -> list[Sentence]:
    out = []
    for span in sentence_spans(text):
        s = " ".join(span.of(text).split())
        if 40 <= len(s) <= 400:
            out.append(Sentence(s, article_id, corpus))
    return out


def load_sentences() -> list[Sentence]:
    from index.article_files import load_articles
    from newsrag.types import FileLimits

    out: list[Sentence] = []
    for corpus in CORPORA:
        with gzip.open(ROOT / "evals" / "devdata" / corpus / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                out.extend(_sentences(rec["id"], rec["text"], corpus))
    seeds = load_articles([ROOT / "seeds"], FileLimits.uniform(20_000_000)).articles
    for article in sorted(seeds, key=lambda a: a.id):
        out.extend(_sentences(article.id, article.text, "seeds"))
    return out


def embed(texts: list[str]) -> np.ndarray:
    from index.embedder import load_index_embedder
    from newsrag.settings import load_settings

    return np.asarray(load_index_embedder(load_settings()).embed_documents(texts), dtype=np.float32)


def pair_id(a: Sentence, b: Sentence) -> str:
    key = "\n".join(sorted((f"{a.article_id}\t{a.text}", f"{b.article_id}\t{b.text}")))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def _routes(sents: list[Sentence], idx: np.ndarray, sub: np.ndarray, rng: np.random.Generator
            ) -> dict[str, list[tuple[float, int, int]]]:
    """Every candidate of one corpus by route: (similarity, sentence, sentence)."""
    sides = {int(i): read_cues(sents[i].text) for i in idx}
    routes: dict[str, list[tuple[float, int, int]]] = {r: [] for r in CAPS}
    pos = {int(i): k for k, i in enumerate(idx)}
    for li, i in enumerate(idx):
        side = sides[int(i)]
        route = "denial" if side.denials else "negation" if side.negations else ""
        if route:
            for lj in np.argsort(-sub[li], kind="stable")[:2]:
                if sub[li, lj] >= 0.45:
                    routes[route].append((float(sub[li, lj]), int(i), int(idx[lj])))
        if side.denials:
            # The claim a denial answers is usually elsewhere in its article: its best matches there.
            same_article = [lj for lj in np.argsort(-sub[li], kind="stable")
                            if sents[idx[lj]].article_id == sents[i].article_id and sub[li, lj] >= 0.4]
            for lj in same_article[:4]:
                routes["denial_article"].append((float(sub[li, lj]), int(i), int(idx[lj])))
            # "... denied the accusation": the accusation is often the sentence before, whatever its cosine.
            for back in (1, 2):
                j = int(i) - back
                if j in pos and sents[j].article_id == sents[i].article_id:
                    routes["denial_before"].append((float(sub[li, pos[j]]), j, int(i)))
            # Or a sentence of the story about the same people: sharing a name with the denial.
            named = [lj for lj in np.argsort(-sub[li], kind="stable")
                     if sents[idx[lj]].article_id == sents[i].article_id and idx[lj] != i
                     and side.names & sides[int(idx[lj])].names]
            for lj in named[:6]:
                routes["denial_names"].append((float(sub[li, lj]), int(i), int(idx[lj])))
        if route:
            # News puts the claim just before its denial: the three sentences before, same article.
            for back in (1, 2, 3):
                j = int(i) - back
                if j in pos and sents[j].article_id == sents[i].article_id and sub[li, pos[j]] >= 0.3:
                    routes["adjacent"].append((float(sub[li, pos[j]]), j, int(i)))
    rows, cols = np.nonzero(np.triu(sub >= 0.3, 1))
    for li, lj in zip(rows.tolist(), cols.tolist(), strict=True):
        i, j = int(idx[li]), int(idx[lj])
        one_story = sents[i].article_id == sents[j].article_id
        if (sides[i].days and sides[j].days and not sides[i].days & sides[j].days
                and (one_story or sub[li, lj] >= 0.5)):
            routes["date_clash"].append((float(sub[li, lj]), i, j))
        if sides[i].figures and sides[j].figures and one_story and figure_clash(sides[i], sides[j])[0]:
            # Two figures for one slot in one story: often two sources' estimates.
            routes["figure_article"].append((float(sub[li, lj]), i, j))
        if sub[li, lj] < 0.45:
            continue
        if sides[i].figures and sides[j].figures:
            clash, match = figure_clash(sides[i], sides[j])
            if clash:
                routes["figure_clash"].append((float(sub[li, lj]), i, j))
            elif match:
                routes["figure_match"].append((float(sub[li, lj]), i, j))
        if sub[li, lj] >= 0.6 and sents[i].article_id != sents[j].article_id and sides[i].names & sides[j].names:
            routes["similar"].append((float(sub[li, lj]), i, j))
    low_r, low_c = np.nonzero(np.triu(sub < 0.2, 1))
    same = [(float(sub[r, c]), int(idx[r]), int(idx[c])) for r, c in zip(low_r, low_c, strict=True)
            if sents[idx[r]].article_id == sents[idx[c]].article_id]
    if same:
        routes["unrelated"] = [same[k] for k in rng.choice(len(same), min(len(same), 200), replace=False)]
    return routes


def mine(sents: list[Sentence], vectors: np.ndarray) -> list[dict[str, object]]:
    rng = np.random.default_rng(20240601)
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -1.0)
    seen: set[tuple[str, str]] = set()
    out: list[dict[str, object]] = []
    for corpus in (*CORPORA, "seeds"):
        caps = SEED_CAPS if corpus == "seeds" else CAPS
        idx = np.array([i for i, s in enumerate(sents) if s.corpus == corpus])
        routes = _routes(sents, idx, sims[np.ix_(idx, idx)], rng)
        for route, cands in routes.items():
            # Spread over articles: the most similar pair first, at most 3 pairs an article per route.
            if route != "unrelated":
                cands.sort(key=lambda t: (-t[0], sents[t[1]].text, sents[t[2]].text))
            per_article: dict[str, int] = {}
            taken = 0
            for sim, i, j in cands:
                if taken >= caps[route]:
                    break
                texts = (min(sents[i].text, sents[j].text), max(sents[i].text, sents[j].text))
                art = sents[i].article_id
                # The same sentence twice (boilerplate repeated across stories) says nothing.
                if texts[0] == texts[1] or texts in seen or per_article.get(art, 0) >= 3:
                    continue
                seen.add(texts)
                per_article[art] = per_article.get(art, 0) + 1
                taken += 1
                out.append({"id": pair_id(sents[i], sents[j]), "a": sents[i].text, "b": sents[j].text,
                            "a_article": sents[i].article_id, "b_article": sents[j].article_id, "corpus": corpus,
                            "route": route, "similarity": round(sim, 4)})
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "candidates.jsonl")
    parser.add_argument("--vectors", type=Path, default=None, help="cache the sentence vectors here (.npy)")
    args = parser.parse_args(argv)
    sents = load_sentences()
    if args.vectors and args.vectors.exists():
        vectors = np.load(args.vectors)
    else:
        vectors = embed([s.text for s in sents])
        if args.vectors:
            np.save(args.vectors, vectors)
    rows = mine(sents, vectors)
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(sents)} sentences, {len(rows)} candidate pairs -> {args.out}")


if __name__ == "__main__":
    main()
