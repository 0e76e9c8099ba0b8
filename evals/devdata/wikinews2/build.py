#!/usr/bin/env python3
"""Second Wikinews collection: the eligible articles that `wikinews/` did not take (stdlib only).

Source: the same snapshot as `evals/devdata/wikinews/` (vanatteveldt/wikinews,
data/wikinews_2019.csv and data/wikinews_2020.csv, scraped from en.wikinews.org
Category:2019 / Category:2020; CC BY 2.5). This script reuses that collection's
reading, cleaning and rejection rules (it imports `../wikinews/build.py`), with one
change: an article longer than MAX_CHARS is cut after the last whole paragraph that
fits (as `globalvoices/` does) instead of being dropped. Every article already in
`wikinews/articles.jsonl.gz` (same id, URL or title) is left out, so the two
collections never share an article.

A second, optional source adds older Wikinews articles (2004-2013): the English MEANTIME
corpus (NewsReader project; 120 Wikinews articles on Apple, Airbus and Boeing, General
Motors and the stock market) as its CAT XML files in newsreader/eso-and-ceo
(`Data, experiments, analyses/MeanTime_Annotated/*/*.xml`). Those files hold the text as
tokens only: the title is sentence 0, the date line sentence 1, and the body is rebuilt
from the tokens of the later sentences by the spacing rules of `detokenize` (the words
are not changed). The files mark no paragraphs, so such a body is one paragraph.

Usage:
    python build.py VANATTEVELDT_GIT_DIR [ESO_GIT_DIR] [--out articles.jsonl.gz]

VANATTEVELDT_GIT_DIR is a bare clone (or a checkout's .git) of vanatteveldt/wikinews at
commit 347254178bf343f3801aac1d03c41cc09c35decb, ESO_GIT_DIR one of newsreader/eso-and-ceo
at commit 85ba79db17cc3e49fff3c8e864d51aea7b54631a; files are read with `git show`. The
output is byte-for-byte deterministic (sorted records, gzip mtime 0).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
from datetime import datetime
from html import unescape
from pathlib import Path

if not __package__:  # run by path: make the repository root importable (see ../build_common.py)
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from evals.devdata.build_common import fit, write_articles  # noqa: E402
from evals.devdata.wikinews import build as wn  # noqa: E402

HERE = Path(__file__).resolve().parent
COMMIT = "347254178bf343f3801aac1d03c41cc09c35decb"
ESO_COMMIT = "85ba79db17cc3e49fff3c8e864d51aea7b54631a"
MEANTIME_DIR = "Data, experiments, analyses/MeanTime_Annotated/"
# Wikinews digests that gather several stories under subheadings (not one news report).
NOT_A_REPORT = re.compile(r"^On the campaign trail\b", re.IGNORECASE)
# Collections of the same outlet whose articles must not be repeated here.
EXCLUDE_COLLECTIONS = ("wikinews",)


_NO_SPACE_BEFORE = {",", ".", ";", ":", "!", "?", "%", ")", "]", "}", "''", "\u201d", "\u2019", "'s", "'S", "n't",
                    "'re", "'ve", "'ll", "'d", "'m"}
_NO_SPACE_AFTER = {"(", "[", "{", "``", "\u201c", "$", "US$", "CA$", "AU$", "NZ$", "HK$", "\u00a3", "\u20ac", "#"}


def detokenize(tokens: list[str]) -> str:
    """Text from Penn-Treebank-style tokens: `` and '' become straight double quotes."""
    out = ""
    glue = True  # no space before the next token
    open_quote = False
    for tok in tokens:
        if tok in ("``", "''", '"'):
            opening = tok == "``" or (tok == '"' and not open_quote)
            open_quote = opening
            out += ("" if glue or not opening else " ") + '"'
            glue = opening
            continue
        possessive = tok == "'" and out[-1:] in ("s", "S")
        clitic = tok.startswith("'") and len(tok) > 1 and re.fullmatch(r"[OD]", out.split(" ")[-1] or "")
        if not (glue or tok in _NO_SPACE_BEFORE or possessive or clitic):
            out += " "
        out += tok
        glue = tok in _NO_SPACE_AFTER
    return out.strip()


def from_meantime(git_dir: str) -> list[wn.Candidate]:
    listing = subprocess.run(["git", f"--git-dir={git_dir}", "ls-tree", "-r", "--name-only", "-z", ESO_COMMIT,
                              MEANTIME_DIR], check=True, capture_output=True).stdout.decode("utf-8")
    arts: list[wn.Candidate] = []
    for path in sorted(p for p in listing.split("\0") if p.endswith(".xml")):
        xml = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{ESO_COMMIT}:{path}"], check=True,
                             capture_output=True).stdout.decode("utf-8")
        doc = re.search(r'<Document doc_name="(\d+)_', xml)
        sents: dict[int, list[str]] = {}
        for sent, tok in re.findall(r'<token t_id="\d+" sentence="(\d+)" number="\d+">([^<]*)</token>', xml):
            sents.setdefault(int(sent), []).append(unescape(tok))
        dateline = detokenize(sents.get(1, []))
        try:
            published = datetime.strptime(re.sub(r"\s+,", ",", dateline), "%B %d, %Y").strftime("%Y-%m-%d")
        except ValueError:
            published = ""
        body = " ".join(detokenize(sents[k]) for k in sorted(sents) if k >= 2)
        arts.append({
            "title": detokenize(sents.get(0, [])),
            "paras": [body] if body else [],
            "captions": 0,
            # The file names start with the article's Wikinews page id: a permanent link.
            "url": f"https://en.wikinews.org/wiki?curid={doc.group(1)}" if doc else "",
            "published": published,
            "origin": f"newsreader/eso-and-ceo:{path}",
        })
    return arts


def taken_elsewhere() -> tuple[set[str], set[str], set[str]]:
    ids: set[str] = set()
    urls: set[str] = set()
    titles: set[str] = set()
    for name in EXCLUDE_COLLECTIONS:
        with gzip.open(HERE.parent / name / "articles.jsonl.gz", "rt", encoding="utf-8") as handle:
            for line in handle:
                r = json.loads(line)
                ids.add(r["id"])
                urls.add(wn.canonical_url(r["url"]))
                titles.add(r["title"].strip().casefold())
    return ids, urls, titles


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("vanatteveldt_git_dir")
    ap.add_argument("eso_git_dir", nargs="?")
    ap.add_argument("--out", default=str(HERE / "articles.jsonl.gz"))
    args = ap.parse_args(argv)

    head = wn.git_head(args.vanatteveldt_git_dir)
    if head != COMMIT:
        print(f"warning: snapshot is at {head}, SOURCE.md describes {COMMIT}", file=sys.stderr)

    seen_ids, seen_urls, seen_titles = taken_elsewhere()
    reasons: dict[str, int] = {}
    kept: dict[str, wn.Candidate] = {}
    cut = 0
    cands = wn.from_vanatteveldt(args.vanatteveldt_git_dir)
    if args.eso_git_dir:
        cands += from_meantime(args.eso_git_dir)
    for a in cands:
        if a["origin"].startswith("newsreader/"):
            art_id = "wikinews-" + re.sub(r"[^a-z0-9]+", "-", a["title"].lower()).strip("-")[:70].rstrip("-")
        else:
            art_id = "wikinews-" + wn.slug_from_url(a["url"])
        # The kind of article (interview, table, photo essay, ...) is judged on the whole
        # text; only an article rejected for its length alone is cut and judged again.
        paras, truncated = a["paras"], False
        why = wn.reject_reason(a["title"], paras, a["published"], a["captions"]) if paras else "empty"
        if why == "long":
            paras, truncated = fit(paras, wn.MAX_CHARS)
            why = wn.reject_reason(a["title"], paras, a["published"], a["captions"])
        if why is None and NOT_A_REPORT.search(a["title"]):
            why = "digest"
        if why is None and (art_id in seen_ids or a["url"] in seen_urls
                            or a["title"].strip().casefold() in seen_titles):
            why = "already in wikinews/"
        if why is None and (art_id in kept or any(k["title"].casefold() == a["title"].casefold()
                                                  for k in kept.values())):
            why = "duplicate"
        if why:
            reasons[why] = reasons.get(why, 0) + 1
            continue
        cut += truncated
        kept[art_id] = {**a, "paras": paras}

    chosen = sorted(kept, key=lambda i: (kept[i]["published"], i))
    write_articles(Path(args.out), [wn.article(i, kept[i]) for i in chosen])
    snapshot = f"snapshot: vanatteveldt/wikinews@{head}" + (
        f", newsreader/eso-and-ceo@{ESO_COMMIT}" if args.eso_git_dir else "")
    wn.report(f"candidates {len(cands)}, written {len(chosen)} ({cut} cut at a paragraph boundary) -> {args.out}",
              reasons, [kept[i] for i in chosen], snapshot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
