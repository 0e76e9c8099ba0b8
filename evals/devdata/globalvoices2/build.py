#!/usr/bin/env python3
"""Build articles.jsonl.gz (Global Voices, May 2012) from a snapshot of OpenGenderTracking/globalvoices.

That repository holds Global Voices' own WordPress export (WXR) of the English site for
May 2012 (`data/full/globalvoicesonline.wordpress.2012-may.xml`, 471 posts, made on
2012-05-22). Global Voices publishes under CC BY 3.0. This script:

  1. reads the export at a pinned commit with `git show` and keeps published posts only
     (drafts, pending and scheduled posts were never public and are skipped);
  2. skips partner republications (their own terms apply: the PARTNER rule of
     `../globalvoices/build.py`, plus the ISN blog cross-posts of 2012), interviews,
     photo and video posts and other pieces that are not news reports (NOT_NEWS, and
     EXCLUDE chosen by hand from the titles), posts with three or more images or
     embeds and under 1,000 characters of text for each (MAX_MEDIA, TEXT_PER_MEDIA),
     and posts that are mostly quoted blog excerpts (BLOCKQUOTE_SHARE);
  3. converts WordPress post text (paragraphs separated by newlines, HTML and
     shortcodes) to plain paragraphs: [caption] and [embed] shortcodes, images,
     embedded posts, tables and Global Voices' house notes ("This post is part of our
     special coverage ...") are dropped, and so are the link-language markers ("[es]",
     "[ru]") and quotations printed in their original language next to the English
     translation (the `html_paragraphs` of `../globalvoices/build.py`);
  4. keeps whole paragraphs up to MAX_CHARS characters (longer posts are cut at the last
     paragraph boundary that fits) and requires MIN_CHARS characters, MIN_SENTENCES
     sentences and no more than 40% of paragraphs under 100 characters (list-like);
  5. leaves out any post already in `../globalvoices/` (same URL or title) and writes one
     JSON object per post, sorted by id.

Usage:  python3 build.py /work/.mirror/OpenGenderTracking+globalvoices/repo [out.jsonl.gz] [--authors]
Plain Python standard library only; the output is byte-for-byte reproducible (gzip mtime 0).
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
from html import unescape
from pathlib import Path
from typing import TypedDict

if not __package__:  # run by path: make the repository root importable (see ../build_common.py)
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from evals.devdata.build_common import fit, write_articles  # noqa: E402
from evals.devdata.globalvoices import build as gv  # noqa: E402

HERE = Path(__file__).resolve().parent
COMMIT = "0fbf3dca148899c278e53ae727314727126791e0"  # 2013-02-25; see SOURCE.md
EXPORT = "data/full/globalvoicesonline.wordpress.2012-may.xml"
MIN_CHARS = 800
MAX_CHARS = 6000
MIN_SENTENCES = 6
BLOCKQUOTE_SHARE = 0.7  # more of the post than this quoted from blogs: a roundup, not a report
MAX_MEDIA = 3  # this many images, captions or embeds ...
TEXT_PER_MEDIA = 1000  # ... with fewer characters of text than this each: a photo or video post


# Pieces that are not news reports, by their titles.
NOT_NEWS = re.compile(
    r"\binterview|\bQ&A\b|^(?:video|videos|photos?|in pictures|pictures|podcast|op-ed|opinion|"
    r"poem|poetry|quiz|announcing|announcement|call for|job|meet|GV Face|Global Voices)\b|"
    r"\bphoto essay\b|\bin photos\b|\bvideos?:",
    re.IGNORECASE)
# Chosen by hand from the titles of the posts that pass every other rule (post slugs).
EXCLUDE = {
    "kenya-mark-kaigwa-to-global-voices-the-east-is-coming-to-africa",  # interview
    "russia-the-runets-top-10-slang-words",  # list
    "russia-the-runets-enduring-tomatoes-tusovki",  # essay
    "caribbean-supporting-our-mothers",  # Mother's Day blog round-up
    "brazil-hands-that-cure-words-that-heal",  # feature on folk healers
    "science-blogging-in-sub-saharan-africa",  # essay
    "latin-america-art-from-the-colonial-period-in-2-0",  # culture feature
}
PARTNER_2012 = re.compile(r"ISN blog|International Relations and Security Network", re.IGNORECASE)

# Shortcodes and markers that are not part of the text.
_SHORTCODE_BLOCK = re.compile(r"\[(caption|embed|gallery|youtube|vimeo|audio|video)\b[^\]]*\].*?\[/\1\]",
                              re.IGNORECASE | re.DOTALL)
_SHORTCODE = re.compile(r"\[/?(?:caption|embed|gallery|youtube|vimeo|audio|video|googlemaps|scribd)\b[^\]]*\]",
                        re.IGNORECASE)
# "[es]", "[ru, en]", "[pdf]": the language (or type) of the page a link leads to.
_LANG_MARK = re.compile(r"\s?\[(?!sic\])(?:[a-z]{2,3}(?:-[a-zA-Z]{2,4})?|pdf|PDF)"
                        r"(?:\s*(?:,|/|and|&amp;|&)\s*(?:[a-z]{2,3}(?:-[a-zA-Z]{2,4})?|pdf|PDF))*\]")
# Global Voices' house notes of 2012, wherever they stand in the post.
_HOUSE_NOTE = re.compile(
    r"^(?:this post is part of (?:our|the|a) |visit the isn blog|this post was (?:sub-edited|edited|written|"
    r"translated|proofread|co-written|originally|first|prepared)|this post (?:is|was) (?:co-)?written|"
    r"the thumbnail image|thumbnail image|all links (?:lead|are|go|in this post)|all the links|"
    r"unless otherwise (?:noted|stated)|links? (?:in this post )?(?:lead|are) to|"
    r"(?:see|read) (?:also|more)\b|subscribe to|follow (?:us|global voices)|\(?translated by|\*?thumbnail)",
    re.IGNORECASE)
# A tweet quoted as text ("@handle: ...", "Name @handle: ..."), a bracketed editor's note or
# ellipsis standing alone ("[All links lead to sites in Portuguese.]", "[...]"), a short
# attribution line ("- Author, « Title »") and a bare link line are not running text.
_NOT_TEXT = re.compile(r"^(?:[^@\n]{0,40}\s)?\u200f?@\w+\s*:|^\[[^\]]*\]$|^[-–—]\s.{0,120}$|^\S*https?://\S*$")
_SENT_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s|$)")


def git_show(git_dir: str, path: str) -> str:
    return subprocess.check_output(["git", "--git-dir", git_dir, "show", f"{COMMIT}:{path}"]).decode("utf-8")


def _field(item: str, tag: str) -> str:
    m = re.search(rf"<{tag}>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</{tag}>", item, re.DOTALL)
    return unescape(m.group(1)).strip() if m else ""


class WordPressPost(TypedDict):
    """One <item> of the WordPress export (the fields this script reads)."""

    post_id: str
    title: str
    link: str
    author: str
    date: str  # YYYY-MM-DD
    slug: str
    status: str
    type: str
    html: str


def read_posts(git_dir: str) -> list[WordPressPost]:
    xml = git_show(git_dir, EXPORT)
    posts: list[WordPressPost] = []
    for item in xml.split("<item>")[1:]:
        body = re.search(r"<content:encoded><!\[CDATA\[(.*?)\]\]></content:encoded>", item, re.DOTALL)
        posts.append({
            "post_id": _field(item, "wp:post_id"),
            "title": _field(item, "title"),
            "link": _field(item, "link"),
            "author": _field(item, "dc:creator"),
            "date": _field(item, "wp:post_date")[:10],
            "slug": _field(item, "wp:post_name"),
            "status": _field(item, "wp:status"),
            "type": _field(item, "wp:post_type"),
            "html": body.group(1) if body else "",
        })
    return posts


def media_count(html: str) -> int:
    return (len(re.findall(r"\[caption\b", html, re.IGNORECASE))
            + len(re.findall(r"<img\b", html, re.IGNORECASE))
            - len(re.findall(r"\[caption\b[^\]]*\]\s*(?:<a\b[^>]*>\s*)?<img\b", html, re.IGNORECASE))
            + len(re.findall(r"\[embed\b|<iframe\b|<object\b|<embed\b", html, re.IGNORECASE)))


def blockquote_share(html: str) -> float:
    def chars(s: str) -> int:
        return len(re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>|\[[^\]]*\]", " ", s))).strip())
    quoted = sum(chars(m) for m in re.findall(r"<blockquote\b[^>]*>(.*?)</blockquote>", html,
                                               re.IGNORECASE | re.DOTALL))
    return quoted / max(1, chars(html))


def to_html(raw: str) -> str:
    """WordPress post text to HTML whose paragraphs the globalvoices parser can split."""
    text = _SHORTCODE_BLOCK.sub(" ", raw)
    text = _SHORTCODE.sub(" ", text)
    text = _LANG_MARK.sub("", text)
    # wpautop: a blank line ends a paragraph and a single newline is a line break.
    return "<p>" + re.sub(r"\r?\n", "<br>", text) + "</p>"


def paragraphs(raw: str) -> list[str]:
    paras = []
    for p in gv.html_paragraphs(to_html(raw)):
        p = re.sub(r"\s+([,.;:!?])(?=\s|$)", r"\1", p).strip()  # a space left where a marker stood
        if not p or _HOUSE_NOTE.match(p) or _NOT_TEXT.match(p):
            continue
        if sum(len(u) for u in re.findall(r"https?://\S+(?: \d+ @ \S+)?", p)) > 0.3 * len(p):
            continue  # mostly a link (a photo or post address)
        if len(p) < 80 and not _SENT_END.search(p):
            continue  # subheading or stray credit line without sentence punctuation
        paras.append(p)
    return paras


def canonical_url(link: str) -> str:
    """globalvoicesonline.org moved to globalvoices.org (same paths)."""
    return re.sub(r"^https?://(?:www\.)?globalvoicesonline\.org/", "https://globalvoices.org/", link.strip())


def article_id(slug: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", unescape(slug).lower()).strip("-")
    if len(slug) > 70:
        slug = slug[:70].rsplit("-", 1)[0]
    return f"globalvoices-{slug}"


def reject_reason(post: WordPressPost) -> str | None:
    if post["type"] != "post" or post["status"] != "publish":
        return "not published"
    if gv.PARTNER.search(gv.opening_text(post["html"])) or PARTNER_2012.search(post["html"]):
        return "partner republication"
    if NOT_NEWS.search(post["title"]) or post["slug"] in EXCLUDE:
        return "not a news report"
    media = media_count(post["html"])
    if media >= MAX_MEDIA and len("\n\n".join(paragraphs(post["html"]))) < TEXT_PER_MEDIA * media:
        return "photo/video post"
    if blockquote_share(post["html"]) > BLOCKQUOTE_SHARE:
        return "mostly quoted excerpts"
    return None


def taken_elsewhere() -> tuple[set[str], set[str]]:
    urls: set[str] = set()
    titles: set[str] = set()
    with gzip.open(HERE.parent / "globalvoices" / "articles.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            r = json.loads(line)
            urls.add(canonical_url(r["url"]).rstrip("/"))
            titles.add(r["title"].strip().casefold())
    return urls, titles


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("snapshot", help="git directory of the OpenGenderTracking/globalvoices snapshot")
    ap.add_argument("out", nargs="?", default=str(HERE / "articles.jsonl.gz"))
    ap.add_argument("--authors", action="store_true", help="also print the id | author | date table")
    args = ap.parse_args()
    snapshot, out_path = args.snapshot, Path(args.out)
    seen_urls, seen_titles = taken_elsewhere()
    reasons: dict[str, int] = {}
    rows: dict[str, dict[str, str]] = {}
    cut = 0
    posts = read_posts(snapshot)
    for post in posts:
        why = reject_reason(post)
        paras, truncated = fit(paragraphs(post["html"]), MAX_CHARS) if why is None else ([], False)
        text = "\n\n".join(paras)
        if why is None and len(text) < MIN_CHARS:
            why = "short"
        if why is None and gv.n_sentences(text) < MIN_SENTENCES:
            why = "few sentences"
        if why is None and sum(len(p) < 100 for p in paras) / len(paras) > 0.4:
            why = "list-like"
        url = canonical_url(post["link"])
        if why is None and (url.rstrip("/") in seen_urls or post["title"].casefold() in seen_titles):
            why = "already in globalvoices/"
        art_id = article_id(post["slug"])
        if why is None and art_id in rows:
            why = "duplicate"
        if why:
            reasons[why] = reasons.get(why, 0) + 1
            continue
        cut += truncated
        rows[art_id] = {
            "id": art_id,
            "title": post["title"],
            "text": text,
            "url": url,
            "source": "Global Voices",
            "published": post["date"],
            "section": "",
            "_author": post["author"],
        }
    ordered = [rows[i] for i in sorted(rows)]
    write_articles(out_path, ordered)  # without the "_author" field
    print(f"posts {len(posts)}, wrote {len(ordered)} articles ({cut} cut at a paragraph boundary) to {out_path}")
    print(f"rejected: {dict(sorted(reasons.items()))}")
    if args.authors:
        for r in ordered:
            print(f"| {r['id']} | {r['_author']} | {r['published']} |")


if __name__ == "__main__":
    main()
