#!/usr/bin/env python3
"""Select and convert English Wikinews articles into articles.jsonl.gz (stdlib only).

Sources (bare git snapshots of public GitHub repositories; see SOURCE.md):

* vanatteveldt/wikinews -- data/wikinews_2019.csv and data/wikinews_2020.csv
  (url, date, title, text; paragraphs separated by blank lines), scraped from
  en.wikinews.org Category:2019 / Category:2020.
* amir-zeldes/gum (optional) -- dep/GUM_news_*.conllu, Wikinews articles of the
  GUM corpus; the body is rebuilt from the `# text =` sentence comments and the
  `# newpar_block` paragraph markers (headings, figures/captions and pull quotes
  are dropped).

Usage:
    python build.py VANATTEVELDT_GIT_DIR [GUM_GIT_DIR] [--out articles.jsonl.gz]

A GIT_DIR is a bare repository (or a checkout's .git); files are read from HEAD
with `git show`. The output is deterministic for the same snapshots.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import TypedDict

if not __package__:  # run by path: make the repository root importable (see ../build_common.py)
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from evals.devdata.build_common import count_by_year, write_articles  # noqa: E402

MIN_CHARS = 800
MAX_CHARS = 6000
MIN_SENTENCES = 6
TARGET = 172  # articles kept at most
YEARS = (2005, 2022)

_DATE = (
    r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,\s+(?:January|February|March|April|May|June|July|"
    r"August|September|October|November|December)\s+\d{1,2},\s+\d{4}"
)
_WEEKDAY_DATE = re.compile(rf"^{_DATE}\s*$")  # a dateline paragraph of its own
_DATE_PREFIX = re.compile(rf"^{_DATE}\s+(?=[A-Z])")  # a dateline run into the first sentence
_SENT_END = re.compile(r"""[.!?…]["'”’)\]]*(?=\s|$)""")
_QUOTED = re.compile(r"“[^”]{1,2000}”|\"[^\"]{1,2000}\"")
_CAPTION = re.compile(r"\b(?:Image|Video|Audio|Photo|File)s?\s*:\s*\S.{0,80}$")


class Candidate(TypedDict):
    """An article as read from a source, before the rules decide whether it is kept."""

    title: str
    paras: list[str]
    captions: int  # photo captions dropped
    url: str
    published: str  # YYYY-MM-DD, or "" when the source has no date
    origin: str  # "owner/repo:path" of the file it was read from


def git_show(git_dir: str, path: str) -> str:
    out = subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"HEAD:{path}"], check=True, capture_output=True
    )
    return out.stdout.decode("utf-8")


def git_ls(git_dir: str, prefix: str) -> list[str]:
    out = subprocess.run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "--name-only", "HEAD", prefix],
        check=True,
        capture_output=True,
    )
    return sorted(out.stdout.decode("utf-8").split())


def git_head(git_dir: str) -> str:
    out = subprocess.run(["git", f"--git-dir={git_dir}", "rev-parse", "HEAD"], check=True, capture_output=True)
    return out.stdout.decode().strip()


def slug_from_url(url: str) -> str:
    name = urllib.parse.unquote(url.rstrip("/").rsplit("/wiki/", 1)[-1])
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if len(slug) > 70:
        slug = slug[:70].rsplit("-", 1)[0]
    return slug


def canonical_url(url: str) -> str:
    return re.sub(r"(?<=wikinews\.org)/+wiki/", "/wiki/", url.strip())


def count_sentences(text: str) -> int:
    return sum(len(_SENT_END.findall(p)) or 1 for p in text.split("\n\n"))


def quote_share(text: str) -> float:
    quoted = sum(len(m.group(0)) for m in _QUOTED.finditer(text))
    return quoted / max(1, len(text))


def tidy_paragraph(p: str) -> str:
    p = p.replace("\u00a0", " ").replace("\r", "")
    p = re.sub(r"[ \t]*\n[ \t]*", " ", p)
    return re.sub(r"[ \t]{2,}", " ", p).strip()


def reject_reason(title: str, paras: list[str], date: str, captions: int = 0) -> str | None:
    """Why an article is not kept (None: keep)."""
    body = "\n\n".join(paras)
    if captions >= 3:
        return "photo essay"
    year = int(date[:4]) if re.match(r"^\d{4}-\d{2}-\d{2}$", date) else 0
    if not YEARS[0] <= year <= YEARS[1]:
        return "date"
    if re.search(r"\binterview", title, re.I) or "((" in body:
        return "interview"
    if "█" in body or "|" in body:
        return "table"
    if any(p[:1] in "—–:" for p in paras):
        return "pull-quote/attribution"
    if len(body) < MIN_CHARS:
        return "short"
    if len(body) > MAX_CHARS:
        return "long"
    if count_sentences(body) < MIN_SENTENCES:
        return "few sentences"
    short = sum(1 for p in paras if len(p) < 100)
    if short / len(paras) > 0.4:
        return "list-like"
    if quote_share(body) > 0.4:
        return "mostly quotes"
    return None


def clean_paragraphs(paras: list[str]) -> tuple[list[str], int]:
    """Body paragraphs, and how many photo captions were dropped."""
    out: list[str] = []
    captions = 0
    for p in paras:
        p = tidy_paragraph(p)
        if not p or _WEEKDAY_DATE.match(p):
            continue  # empty, or the "Tuesday, January 28, 2014" dateline
        if _CAPTION.search(p) and len(p) < 400:
            captions += 1
            continue  # photo caption "... Image: Author."
        if len(p) < 80 and not _SENT_END.search(p):
            continue  # subheading or stray caption without sentence punctuation
        if not out:
            p = _DATE_PREFIX.sub("", p, count=1)  # "Friday, March 29, 2019 Toronto Comicon ..."
        out.append(p)
    return out, captions


def from_vanatteveldt(git_dir: str) -> list[Candidate]:
    arts: list[Candidate] = []
    for path in ("data/wikinews_2019.csv", "data/wikinews_2020.csv"):
        for row in csv.DictReader(io.StringIO(git_show(git_dir, path))):
            paras, captions = clean_paragraphs(re.split(r"\n[ \t]*\n", row["text"]))
            arts.append(
                {
                    "title": row["title"].strip(),
                    "paras": paras,
                    "captions": captions,
                    "url": canonical_url(row["url"]),
                    "published": row["date"].strip()[:10],
                    "origin": f"vanatteveldt/wikinews:{path}",
                }
            )
    return arts


def from_gum(git_dir: str) -> list[Candidate]:
    arts: list[Candidate] = []
    for path in git_ls(git_dir, "dep/"):
        if not re.search(r"/GUM_news_[^/]+\.conllu$", path):
            continue
        meta: dict[str, str] = {}
        paras: list[list[str]] = []
        block = ""
        has_list = False
        for line in git_show(git_dir, path).splitlines():
            m = re.match(r"^# meta::(\w+) = (.*)$", line)
            if m:
                meta[m.group(1)] = m.group(2).strip()
            elif line.startswith("# newpar_block = "):
                block = line.split("=", 1)[1].strip().split()[0]
                has_list |= block in ("list", "item")
                paras.append([])
            elif line.startswith("# text = ") and paras and block in ("p", "item"):
                paras[-1].append(line[len("# text = ") :].strip())
        if has_list:
            continue  # lists do not read as running text
        body, captions = clean_paragraphs([" ".join(p) for p in paras if p])
        arts.append(
            {
                "title": meta.get("title", "").strip(),
                "paras": body,
                "captions": captions,
                "url": canonical_url(meta.get("sourceURL", "")),
                "published": meta.get("dateCreated", "")[:10],
                "origin": f"amir-zeldes/gum:{path}",
            }
        )
    return arts


def article(art_id: str, a: Candidate) -> dict[str, str]:
    """The articles.jsonl.gz record of a kept candidate."""
    return {
        "id": art_id,
        "title": a["title"],
        "text": "\n\n".join(a["paras"]),
        "url": a["url"],
        "source": "Wikinews",
        "published": a["published"],
        "section": "",  # no source carries Wikinews categories
    }


def report(summary: str, reasons: dict[str, int], written: list[Candidate], snapshots: str) -> None:
    """The build's account on stderr: what was written, why the rest was not, years, snapshots."""
    print(summary, file=sys.stderr)
    print(f"rejected: {dict(sorted(reasons.items()))}", file=sys.stderr)
    print(f"by year: {count_by_year(a['published'] for a in written)}", file=sys.stderr)
    print(snapshots, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("vanatteveldt_git_dir")
    ap.add_argument("gum_git_dir", nargs="?")
    ap.add_argument("--out", default=str(Path(__file__).with_name("articles.jsonl.gz")))
    ap.add_argument("--target", type=int, default=TARGET)
    args = ap.parse_args(argv)

    cands = from_vanatteveldt(args.vanatteveldt_git_dir)
    if args.gum_git_dir:
        cands += from_gum(args.gum_git_dir)

    reasons: dict[str, int] = {}
    kept: dict[str, Candidate] = {}
    for a in cands:
        why = reject_reason(a["title"], a["paras"], a["published"], a["captions"]) if a["paras"] else "empty"
        art_id = "wikinews-" + slug_from_url(a["url"])
        if why is None and art_id in kept:
            why = "duplicate"
        if why:
            reasons[why] = reasons.get(why, 0) + 1
            continue
        kept[art_id] = a

    # Keep every GUM article (older years), then fill up with a deterministic
    # hash-ordered sample of the 2019-2020 articles.
    ids = sorted(kept, key=lambda i: (not kept[i]["origin"].startswith("amir-zeldes"),
                                      hashlib.sha1(i.encode()).hexdigest()))
    chosen = sorted(ids[: args.target], key=lambda i: (kept[i]["published"], i))
    reasons["over target"] = max(0, len(ids) - args.target)

    write_articles(Path(args.out), [article(i, kept[i]) for i in chosen])
    snapshots = f"snapshots: vanatteveldt/wikinews@{git_head(args.vanatteveldt_git_dir)}" + (
        f", amir-zeldes/gum@{git_head(args.gum_git_dir)}" if args.gum_git_dir else "")
    report(f"candidates {len(cands)}, eligible {len(kept)}, written {len(chosen)} -> {args.out}",
           reasons, [kept[i] for i in chosen], snapshots)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
