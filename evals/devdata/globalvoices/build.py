#!/usr/bin/env python3
"""Build articles.jsonl.gz (Global Voices) from a snapshot of Crowd-AI-Lab/cocolofa.

CoCoLoFa (EMNLP 2024) ships Global Voices articles (CC BY 3.0) as HTML in the
`content` field of dev.json and test.json (train.json is over the snapshot's
4 MiB file limit and is not used).  This script:

  1. reads dev.json and test.json from the bare git snapshot at a pinned commit;
  2. converts the article HTML to plain paragraphs (stdlib html.parser), dropping
     embedded tweets/Instagram/Facebook posts, fact boxes, captions, scripts and
     Global Voices' trailing house notes ("Subscribe to the Netizen Report", ...);
  3. skips posts republished from partner outlets (their own terms apply, see
     PARTNER) and pieces that are interviews, essays, diaries, photo/video essays or
     opinion columns (EXCLUDE below, chosen by hand from the titles);
  4. keeps whole paragraphs up to MAX_CHARS characters (longer articles are cut at
     the last paragraph boundary that fits; see SOURCE.md) and requires at least
     MIN_SENTENCES sentences;
  5. keeps at most TARGET articles (uncut ones first, then the least cut) and
     writes one JSON object per article, sorted by id.

Usage:  python3 build.py /work/.mirror/Crowd-AI-Lab+cocolofa/repo [out.jsonl.gz]
Plain Python standard library only.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import NotRequired, TypedDict

if not __package__:  # run by path: make the repository root importable (see ../build_common.py)
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from evals.devdata.build_common import fit, write_articles  # noqa: E402

COMMIT = "c39d45fdd57401e1f6cb674f25113dfa0304e734"
FILES = ("dev.json", "test.json")
MAX_CHARS = 6000
MIN_SENTENCES = 6
TARGET = 170

# CoCoLoFa ids of pieces that are not news reports (interviews, essays, diaries,
# opinion/analysis columns, photo or video essays, report digests).
EXCLUDE = {
    "543",  # Understanding pandemic fatigue (essay)
    "430",  # It's time to tackle post-COVID-19 mental health (opinion)
    "503",  # How to protect Nigerians' personal information ... (opinion)
    "429",  # Tunisia has a disinformation problem, but ... (opinion)
    "256",  # We must question colonialism in legal discourse (interview)
    "119",  # The right to privacy in Sudan: A call to enact ... (opinion)
    "431",  # How political gaslighting undermines public policy (essay)
    "113",  # Tunisia's dependence on its Algerian brother (opinion)
    "603",  # Peer under the sea ... photo essay
    "372",  # COVID-19 diaries from Wuhan (diary)
    "110",  # In their own words: Latinas with disabilities (testimonies)
    "287",  # Unfreedom Monitor Report: El Salvador (report digest)
    "444",  # An interview with a blogger ... (interview)
    "335",  # 30 years after the Tiananmen Massacre: An interview ... (interview)
    "359",  # Video: Two months of lockdown in Kashmir (video essay)
    "184",  # Decolonising and demystifying Central Asian literature (essay)
    "562",  # Going far together: The East African diaspora ... (essay)
    "6",    # Semi-quarantined: Living with the coronavirus outbreak (diary)
}

# Posts that Global Voices republished from a partner outlet (Eurasianet, Hong Kong Free
# Press, Prachatai, ...) carry that outlet's terms, not necessarily CC BY 3.0: skip them.
# The note ("This article was first published on OC Media. An edited version is
# republished here under a content partnership agreement.") opens the post, often in
# an editor's-note box, so it is looked for in the first characters of the raw post.
PARTNER = re.compile(
    r"partner post|republish|originally (?:published|appeared)|first published"
    r"|content[- ]sharing agreement|partnership[- ]sharing agreement|partnership agreement"
    r"|is published here through|based on reporting by",
    re.IGNORECASE)
NOTE_WINDOW = 700


def opening_text(html: str) -> str:
    """The first NOTE_WINDOW characters of the post as plain text, notes included."""
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", unescape(text)).strip()[:NOTE_WINDOW]


SKIP_CLASSES = ("twitter-tweet", "instagram-media", "fb-xfbml-parse-ignore", "fb-post",
                "factbox", "wp-caption", "notes", "contributors")
SKIP_TAGS = {"script", "style", "iframe", "figure", "figcaption", "table"}
BLOCK = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "div", "ul", "ol",
         "center"}
VOID = {"br", "img", "hr", "input", "meta", "link", "source", "wbr"}
# Global Voices house notes that end many posts; not part of the report.
TRAILER = re.compile(
    r"^(?:please visit the project page|for more information about this topic"
    r"|check out global voices|subscribe to the netizen report|read (?:more|our|the)\b"
    r"|this (?:story|post|article) (?:is|was) (?:part of|originally|first|published|written)"
    r"|a version of this (?:story|post|article)|this is an edited version)",
    re.IGNORECASE)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.skip = 0
        self.paras: list[str] = []
        self.cur: list[str] = []

    def _flush(self) -> None:
        t = re.sub(r"\s+", " ", "".join(self.cur).replace("\xa0", " ")).strip()
        if t:
            self.paras.append(t)
        self.cur = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            if tag == "br" and not self.skip:
                self._flush()
            return
        cls = dict(attrs).get("class") or ""
        skip = tag in SKIP_TAGS or any(c in cls for c in SKIP_CLASSES)
        if tag in BLOCK and not self.skip:
            self._flush()
        self.stack.append((tag, skip))
        if skip:
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                self.skip -= sum(1 for _, s in self.stack[i:] if s)
                del self.stack[i:]
                break
        else:
            return
        if tag in BLOCK and not self.skip:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.cur.append(data)


_WORD = re.compile(r"[^\W\d_]+")
EN_STOP = set("the a an and or of to in on for with is are was were be been that this it as by at "
              "from he she they we you i his her their our not but have has had will would said "
              "says which who what".split())
# frequent function words of the languages Global Voices quotes in the original
FOREIGN_STOP = set("de la que el en y los las del se por con una un es no lo al más para su "
                   "le les des et du est dans une pas qui sur au "
                   "da do em um uma na não os as é com "
                   "și pentru că cu pe ne noi "
                   "və ilə bir bu da ki amma "
                   "ang sa mga ng po ako na ka yan "
                   "je se na v ve a že jsem již není před to "
                   "mas eu estou ao ou neste isso "
                   "indi amma üçün olmalı".split())


def is_foreign(par: str) -> bool:
    """Original-language quotes that Global Voices prints next to its translation."""
    letters = [ch for ch in par if ch.isalpha()]
    if not letters:
        return False
    if sum(ch.isascii() for ch in letters) / len(letters) < 0.5:
        return True  # non-Latin script
    words = [w.lower() for w in _WORD.findall(par)]
    if len(words) < 6:
        return False
    en = sum(w in EN_STOP for w in words) / len(words)
    fo = sum(w in FOREIGN_STOP for w in words) / len(words)
    return en < 0.08 and fo >= 0.08


_EMBED_CREDIT = re.compile(r"^[—–-]\s.*\(@\w+\)")  # "— Name (@handle) June 12, 2022"


def html_paragraphs(html: str) -> list[str]:
    p = _Text()
    p.feed(html)
    p.close()
    p._flush()
    paras = p.paras
    while paras and TRAILER.match(paras[-1]):
        paras.pop()
    return [x for x in paras
            if not TRAILER.match(x) and not is_foreign(x) and not _EMBED_CREDIT.match(x)]


_SENT = re.compile(r"[.!?…][\"'”’)]*(?:\s|$)")


def n_sentences(text: str) -> int:
    return len(_SENT.findall(text))


class Post(TypedDict):
    """One article of dev.json or test.json (the fields this script reads)."""

    id: int | str
    title: str
    content: str  # the article's HTML
    date: str  # "12 June 2022"
    link: str


def load(snapshot: str, name: str) -> list[Post]:
    blob = subprocess.check_output(["git", "--git-dir", snapshot, "show", f"{COMMIT}:{name}"])
    posts: list[Post] = json.loads(blob)
    return posts


class Row(TypedDict):
    """One line of articles.jsonl.gz, and while choosing, whether and how much it was cut."""

    id: str
    title: str
    text: str
    url: str
    source: str
    published: str
    section: str
    _truncated: NotRequired[bool]
    _full: NotRequired[int]  # characters before the cut


def main() -> None:
    snapshot = sys.argv[1]
    out_path = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).with_name("articles.jsonl.gz")
    rows: list[Row] = []
    for name in FILES:
        for a in load(snapshot, name):
            if str(a["id"]) in EXCLUDE:
                continue
            if PARTNER.search(opening_text(a["content"])):
                continue
            full = html_paragraphs(a["content"])
            paras, truncated = fit(full, MAX_CHARS)
            text = "\n\n".join(paras)
            if n_sentences(text) < MIN_SENTENCES:
                continue
            published = datetime.strptime(a["date"].strip(), "%d %B %Y").strftime("%Y-%m-%d")
            rows.append({
                "id": f"globalvoices-{int(a['id']):03d}",
                "title": a["title"].strip(),
                "text": text,
                "url": a["link"].strip(),
                "source": "Global Voices",
                "published": published,
                "section": "",
                "_truncated": truncated,
                "_full": len("\n\n".join(full)),
            })
    # Prefer articles that needed no cut, then the least-cut ones, up to TARGET.
    rows.sort(key=lambda r: (r["_full"] if r["_truncated"] else 0, r["id"]))
    rows = sorted(rows[:TARGET], key=lambda r: r["id"])
    cut = sum(r["_truncated"] for r in rows)
    write_articles(out_path, rows)  # without the "_" fields; mtime 0: byte-for-byte reproducible
    print(f"wrote {len(rows)} articles ({cut} cut at a paragraph boundary) to {out_path}")


if __name__ == "__main__":
    main()
