#!/usr/bin/env python3
"""Build the labelled duplicate pairs (pairs.jsonl.gz) from the devdata articles (stdlib only).

    python evals/duplicates/build.py [--out evals/duplicates/pairs.jsonl.gz]

Reads `evals/devdata/wikinews/articles.jsonl.gz` and `evals/devdata/globalvoices/articles.jsonl.gz`
(real articles, CC BY 2.5 / CC BY 3.0; see SOURCE.md) and writes pairs of two kinds:

* "duplicate": an article and a simulated republished copy of it. The copy gets the edits
  that real republication makes (a new headline, an outlet or wire boilerplate line, the
  last paragraphs trimmed, an update paragraph added, changed words and typos, merged
  sentences, a moved paragraph), at three strengths: "light-edit", "medium-edit",
  "heavy-edit"; or it runs only the opening 40-60 % of the story with a "Read the full
  story at ..." line ("excerpt-edit"). Every pair records its recipe in `edits`. Two
  copies per article.
* "different": two different real articles. "same-topic": each article and its two most
  similar other articles (TF-IDF cosine) of the same collection; "same-event": Wikinews
  follow-up stories on one developing event, checked by hand (`SAME_EVENT`); "shared-
  boilerplate": a same-topic pair (third nearest) where both copies carry the same
  outlet's boilerplate, as two stories from one feed do; "random": a random other article.

The split ("fit"/"test") comes from the SHA-256 of the original article id (70 % fit); a
negative partner is only taken from the same split, so every pair of one article is in one
split. All randomness is `random.Random` seeded by a string per article, and the gzip
header has mtime 0, so the output is byte-for-byte the same on every run.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import hashlib
import io
import json
import math
import random
import re
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEVDATA = HERE.parent / "devdata"
COLLECTIONS = ("wikinews", "globalvoices")
OUT = HERE / "pairs.jsonl.gz"
SEED = "newsrag-duplicates-v1"
FIT_SHARE = 0.7
# Two copies per article, in rotation: each strength makes a quarter of the duplicates.
STRENGTHS = (("light", "heavy"), ("medium", "excerpt"), ("light", "medium"), ("heavy", "excerpt"))

# Wikinews follow-ups of one developing story: different articles on the same event, which
# often repeat background sentences. Checked by reading both articles.
SAME_EVENT = (
    ("wikinews-russia-s-navalny-airlifted-to-germany", "wikinews-germany-says-alexei-navalny-poisoned-with-novichok"),
    (
        "wikinews-hurricane-dorian-strengthens-to-category-5-makes-landfall-in-the",
        "wikinews-hurricane-dorian-leaves-trail-of-destruction-in-the-bahamas",
    ),
    (
        "wikinews-samoan-government-temporarily-shuts-down-for-nationwide-measles",
        "wikinews-samoan-government-ends-state-of-emergency-over-measles-outbreak",
    ),
    (
        "wikinews-sars-cov-2-surpasses-one-million-confirmed-infections-in-the-united",
        "wikinews-sars-cov-2-surpasses-100-000-confirmed-deaths-in-the-united-states",
    ),
    (
        "wikinews-sars-cov-2-surpasses-one-million-infections-worldwide",
        "wikinews-sars-cov-2-surpasses-one-million-confirmed-infections-in-the-united",
    ),
    (
        "wikinews-us-house-of-representatives-impeaches-president-trump",
        "wikinews-u-s-house-to-decide-on-submitting-articles-of-impeachment-to-senate",
    ),
    (
        "wikinews-u-s-house-formalizes-rules-for-trump-impeachment-proceedings",
        "wikinews-us-house-of-representatives-impeaches-president-trump",
    ),
    (
        "wikinews-us-speaker-pelosi-announces-trump-impeachment-investigation",
        "wikinews-u-s-house-formalizes-rules-for-trump-impeachment-proceedings",
    ),
    (
        "wikinews-hong-kong-protesters-surround-downtown-police-complex",
        "wikinews-hong-kong-protests-continue-through-police-opposition-rainstorms",
    ),
)

# Fictional outlets and bylines: the boilerplate is invented, so no real outlet is named.
OUTLETS = ("The Harbour Ledger", "Metro Daily Courier", "Northfield Post", "The Evening Dispatch", "Riverside Times")
WIRES = ("(AP) —", "(Reuters) -", "(AFP) —", "(NNA) —")
BYLINES = ("By Staff Reporter", "By our correspondent", "By Dana Whitfield", "From wire reports")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HEADLINE_PREFIXES = ("UPDATE: ", "Report: ", "BREAKING: ", "WATCH: ")
UPDATES = (
    "Update: Since this article was first published, {name} has not responded to requests for comment.",
    "A spokesperson for {name} said on {day} that further details would be released in the coming days.",
    "This story has been updated with additional information from {name}.",
    "Officials said on {day} that the situation involving {name} was being closely monitored and that "
    "a fuller statement would follow.",
)
# Word-level edits an editor or a house style makes; each applies to one occurrence.
SUBSTITUTIONS = (
    ("said", "stated"),
    ("told", "informed"),
    ("about", "around"),
    ("more than", "over"),
    ("however", "but"),
    ("also", "additionally"),
    ("people", "individuals"),
    ("organisation", "organization"),
    ("organization", "organisation"),
    ("government", "administration"),
    ("two", "2"),
    ("three", "3"),
    ("percent", "per cent"),
    ("per cent", "percent"),
    ("announced", "revealed"),
    ("according to", "as per"),
)
_NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)+\b")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[A-Z“\"])")
_TOKEN = re.compile(r"[a-z0-9]+")


def split_of(article_id: str) -> str:
    bucket = int(hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "fit" if bucket < FIT_SHARE else "test"


def load_articles() -> list[dict[str, str]]:
    out = []
    for name in COLLECTIONS:
        with gzip.open(DEVDATA / name / "articles.jsonl.gz", "rt", encoding="utf-8") as f:
            for line in f:
                record = json.loads(line)
                record["collection"] = name
                out.append(record)
    return sorted(out, key=lambda r: r["id"])


# ---------------------------------------------------------------- republication edits


def sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(paragraph) if s.strip()]


def retitle(rng: random.Random, title: str, paragraphs: list[str], strength: str) -> tuple[str, str]:
    if strength == "light":
        if rng.random() < 0.5:
            return rng.choice(HEADLINE_PREFIXES) + title, "headline-prefix"
        return f"{title} | {rng.choice(OUTLETS)}", "headline-outlet-suffix"
    # A sub-editor's headline: the lede's opening words, as wire copies are often retitled.
    lede = sentences(paragraphs[0])[0].rstrip('.!?"”')
    cut = lede.split()[: rng.randint(7, 12)]
    return " ".join(cut).rstrip(",;:"), "headline-from-lede"


def boilerplate_top(rng: random.Random, paragraphs: list[str], published: str) -> tuple[list[str], str]:
    choice = rng.randrange(3)
    if choice == 0:
        return [f"{rng.choice(WIRES)} {paragraphs[0]}", *paragraphs[1:]], "wire-tag-top"
    if choice == 1:
        line = f"Updated: {published} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d} GMT"
        return [line, *paragraphs], "updated-line-top"
    return [rng.choice(BYLINES), *paragraphs], "byline-top"


def boilerplate_bottom(rng: random.Random, paragraphs: list[str], published: str, outlet: str) -> tuple[list[str], str]:
    choice = rng.randrange(3)
    if choice == 0:
        line = f"This article first appeared on {outlet} and is republished here under a Creative Commons licence."
        return [*paragraphs, line], "first-appeared-bottom"
    if choice == 1:
        return [*paragraphs, f"© {published[:4]} {outlet}. All rights reserved."], "copyright-bottom"
    return [*paragraphs, "Share this story: Facebook Twitter WhatsApp Email"], "share-line-bottom"


def drop_tail(paragraphs: list[str], count: int) -> tuple[list[str], str]:
    """Wire copies are trimmed from the bottom; at least half the story is kept."""
    if len(paragraphs) >= 3:
        keep = max(len(paragraphs) - count, math.ceil(len(paragraphs) / 2))
        return paragraphs[:keep], f"drop-last-{len(paragraphs) - keep}-paragraphs"
    # A story of one or two paragraphs loses its last sentences instead.
    last = sentences(paragraphs[-1])
    keep = max(len(last) - count, math.ceil(len(last) / 2))
    return [*paragraphs[:-1], " ".join(last[:keep])], f"drop-last-{len(last) - keep}-sentences"


def excerpt(rng: random.Random, paragraphs: list[str], outlet: str) -> tuple[list[str], str]:
    """An outlet runs the opening of the story and links to the rest: 40-60 % of it is kept."""
    share = rng.uniform(0.4, 0.6)
    if len(paragraphs) >= 3:
        keep = max(1, round(len(paragraphs) * share))
        kept, edit = paragraphs[:keep], f"excerpt-first-{keep}-of-{len(paragraphs)}-paragraphs"
    else:
        parts = sentences(" ".join(paragraphs))
        keep = max(1, round(len(parts) * share))
        kept, edit = [" ".join(parts[:keep])], f"excerpt-first-{keep}-of-{len(parts)}-sentences"
    return [*kept, f"Read the full story at {outlet}."], edit


def add_update(rng: random.Random, paragraphs: list[str]) -> tuple[list[str], str]:
    names = sorted(set(_NAME.findall(" ".join(paragraphs))))
    name = rng.choice(names) if names else "the authorities"
    update = rng.choice(UPDATES).format(name=name, day=rng.choice(WEEKDAYS))
    at = rng.randint(1, len(paragraphs))
    return [*paragraphs[:at], update, *paragraphs[at:]], "add-update-paragraph"


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swapped letters
    return word[:i] + word[i + 1 :]  # a dropped letter


def change_words(rng: random.Random, paragraphs: list[str], count: int) -> tuple[list[str], str]:
    text = "\n\n".join(paragraphs)
    done = 0
    for _ in range(count * 3):
        if done == count:
            break
        if rng.random() < 0.5:
            old, new = rng.choice(SUBSTITUTIONS)
            hits = [m.start() for m in re.finditer(rf"\b{re.escape(old)}\b", text)]
            if not hits:
                continue
            at = rng.choice(hits)
            text = text[:at] + new + text[at + len(old) :]
        else:
            spans = [m.span() for m in re.finditer(r"\b[a-z]{6,}\b", text)]
            start, end = rng.choice(spans)
            text = text[:start] + typo(rng, text[start:end]) + text[end:]
        done += 1
    return text.split("\n\n"), f"change-{done}-words"


def merge_sentences(rng: random.Random, paragraphs: list[str]) -> tuple[list[str], str]:
    candidates = [i for i, p in enumerate(paragraphs) if len(sentences(p)) >= 2]
    if not candidates:
        return paragraphs, "merge-none"
    i = rng.choice(candidates)
    parts = sentences(paragraphs[i])
    j = rng.randrange(len(parts) - 1)
    first, second = parts[j].rstrip(), parts[j + 1]
    if first.endswith("."):
        first = first[:-1]
    merged = f"{first}, and {second[0].lower()}{second[1:]}" if second[:2].istitle() else f"{first}; {second}"
    out = list(paragraphs)
    out[i] = " ".join([*parts[:j], merged, *parts[j + 2 :]])
    return out, "merge-two-sentences"


def move_paragraph(rng: random.Random, paragraphs: list[str]) -> tuple[list[str], str]:
    if len(paragraphs) < 3:
        return paragraphs, "move-none"
    i = rng.randrange(1, len(paragraphs) - 1)  # the lede stays first
    out = list(paragraphs)
    out[i], out[i + 1] = out[i + 1], out[i]
    return out, "swap-two-paragraphs"


def republish(article: dict[str, str], strength: str, copy: int) -> tuple[str, str, list[str]]:
    """A republished copy: (title, text, edit recipe)."""
    rng = random.Random(f"{SEED}:{article['id']}:{copy}:{strength}")
    paragraphs = article["text"].split("\n\n")
    published = article.get("published") or "2020-01-01"
    outlet = rng.choice(OUTLETS)
    edits: list[str] = []
    title, edit = retitle(rng, article["title"], paragraphs, strength)
    edits.append(edit)
    n_words = len(article["text"].split())
    steps: list[Callable[[list[str]], tuple[list[str], str]]]  # paragraphs -> (paragraphs, edit)
    if strength == "light":
        steps = [
            lambda p: drop_tail(p, rng.randint(0, 1)),
            lambda p: change_words(rng, p, rng.randint(1, 3)),
            (lambda p: boilerplate_top(rng, p, published))
            if rng.random() < 0.5
            else (lambda p: boilerplate_bottom(rng, p, published, outlet)),
        ]
    elif strength == "medium":
        steps = [
            lambda p: drop_tail(p, rng.randint(1, 2)),
            lambda p: change_words(rng, p, rng.randint(3, 8)),
            (lambda p: merge_sentences(rng, p)) if rng.random() < 0.5 else (lambda p: move_paragraph(rng, p)),
            lambda p: boilerplate_top(rng, p, published),
            lambda p: boilerplate_bottom(rng, p, published, outlet),
        ]
        if rng.random() < 0.5:
            steps.insert(1, lambda p: add_update(rng, p))
    elif strength == "excerpt":
        steps = [
            lambda p: excerpt(rng, p, outlet),
            lambda p: change_words(rng, p, rng.randint(0, 2)),
        ]
    else:
        steps = [
            lambda p: drop_tail(p, rng.randint(2, 3)),
            lambda p: add_update(rng, p),
            lambda p: change_words(rng, p, max(8, n_words // 50)),  # about 2 % of the words
            lambda p: merge_sentences(rng, p),
            lambda p: merge_sentences(rng, p),
            lambda p: move_paragraph(rng, p),
            lambda p: boilerplate_top(rng, p, published),
            lambda p: boilerplate_bottom(rng, p, published, outlet),
        ]
    for step in steps:
        paragraphs, edit = step(paragraphs)
        edits.append(edit)
    return title, "\n\n".join(paragraphs), edits


# ---------------------------------------------------------------- real negative pairs


def tfidf_vectors(articles: list[dict[str, str]]) -> list[dict[str, float]]:
    counts = [collections.Counter(_TOKEN.findall(f"{a['title']} {a['text']}".lower())) for a in articles]
    df: collections.Counter[str] = collections.Counter()
    for c in counts:
        df.update(c.keys())
    vectors = []
    for c in counts:
        v = {w: (1 + math.log(n)) * math.log(len(articles) / df[w]) for w, n in c.items() if len(w) > 2}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({w: x / norm for w, x in v.items()})
    return vectors


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(w, 0.0) for w, x in a.items())


def neighbours(articles: list[dict[str, str]], vectors: list[dict[str, float]], i: int) -> list[int]:
    """Other articles of the same collection and split, most similar (TF-IDF cosine) first."""
    a = articles[i]
    others = [
        (-cosine(vectors[i], vectors[j]), articles[j]["id"], j)
        for j in range(len(articles))
        if j != i and articles[j]["collection"] == a["collection"] and split_of(articles[j]["id"]) == split_of(a["id"])
    ]
    return [j for _, _, j in sorted(others)]


def with_shared_boilerplate(rng: random.Random, article: dict[str, str], outlet: str, wire: str) -> str:
    paragraphs = article["text"].split("\n\n")
    line = f"This article first appeared on {outlet} and is republished here under a Creative Commons licence."
    return "\n\n".join([f"{wire} {paragraphs[0]}", *paragraphs[1:], line])


# ---------------------------------------------------------------- assembly


def pair(pid: str, a: dict[str, str], b_id: str, b_title: str, b_text: str, label: str, kind: str) -> dict[str, object]:
    return {
        "id": pid,
        "a_id": a["id"],
        "b_id": b_id,
        "a_title": a["title"],
        "a_text": a["text"],
        "b_title": b_title,
        "b_text": b_text,
        "label": label,
        "kind": kind,
        "split": split_of(a["id"]),
    }


def build() -> list[dict[str, object]]:
    articles = load_articles()
    by_id = {a["id"]: a for a in articles}
    vectors = tfidf_vectors(articles)
    pairs: list[dict[str, object]] = []
    negatives: set[tuple[str, str]] = set()

    def negative(a: dict[str, str], b: dict[str, str], kind: str, b_text: str | None = None, a_text: str = "") -> None:
        key = (min(a["id"], b["id"]), max(a["id"], b["id"]))
        if key in negatives or split_of(a["id"]) != split_of(b["id"]):
            return
        negatives.add(key)
        record = pair(f"{kind}-{len(negatives):04d}", a, b["id"], b["title"], b_text or b["text"], "different", kind)
        if a_text:
            record["a_text"] = a_text
        pairs.append(record)

    for a_id, b_id in SAME_EVENT:
        negative(by_id[a_id], by_id[b_id], "same-event")
    for i, a in enumerate(articles):
        for copy, strength in enumerate(STRENGTHS[i % len(STRENGTHS)]):
            title, text, edits = republish(a, strength, copy)
            record = pair(
                f"dup-{a['id']}-{copy}", a, f"{a['id']}~copy{copy}", title, text, "duplicate", f"{strength}-edit"
            )
            record["edits"] = edits
            pairs.append(record)
    near = [neighbours(articles, vectors, i) for i in range(len(articles))]
    for i, a in enumerate(articles):
        for j in near[i][:2]:  # the two most similar: the hardest real pairs a corpus holds
            negative(a, articles[j], "same-topic")
    for i, a in enumerate(articles):
        rng = random.Random(f"{SEED}:{a['id']}:negatives")
        if i % 3 == 0 and len(near[i]) > 2:
            j = near[i][2]
            outlet, wire = rng.choice(OUTLETS), rng.choice(WIRES)
            b = articles[j]
            negative(
                a,
                b,
                "shared-boilerplate",
                b_text=with_shared_boilerplate(rng, b, outlet, wire),
                a_text=with_shared_boilerplate(rng, a, outlet, wire),
            )
        if i % 2 == 0:
            same_split = [b for b in articles if b["id"] != a["id"] and split_of(b["id"]) == split_of(a["id"])]
            negative(a, rng.choice(same_split), "random")
    for record in pairs:
        record.setdefault("edits", [])
    return sorted(pairs, key=lambda r: str(r["id"]))


def write(pairs: list[dict[str, object]], out: Path) -> None:
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        for record in pairs:
            gz.write((json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
    out.write_bytes(raw.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    pairs = build()
    write(pairs, args.out)
    counts = collections.Counter((str(r["split"]), str(r["kind"])) for r in pairs)
    print(f"{len(pairs)} pairs -> {args.out}")
    for (split, kind), n in sorted(counts.items()):
        print(f"  {split:4} {kind:20} {n}")


if __name__ == "__main__":
    main()
