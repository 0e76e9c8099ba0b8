"""Draft candidate questions from an indexed corpus, for a human to review.

One draft per chunk: the chunk's most specific sentence (the one with the most date,
number and name anchors, found by `rag.language.anchors.find_anchors`) becomes a cloze question
whose blank is its most specific anchor (a date before a number before a name); the
blanked anchor is the accepted answer and the sentence, an exact slice of the cleaned
article, is the evidence. Every item is written with `"draft": true` to its own file;
`evals.gold.load_gold` refuses draft items in a curated run unless `--include-drafts`
is given, so drafts are never mixed into a curated score silently.

Deliberately left out: rewriting into fluent wh-questions (that needs a language model
and still needs review) and unanswerable items (a curator has to invent plausible ones).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from evals.gold import GoldEvidence, GoldItem, load_gold, write_items
from newsrag.errors import InputError
from newsrag.text import sentence_spans
from newsrag.types import Chunk
from rag.language.anchors import Anchor, find_anchors

if TYPE_CHECKING:
    from newsrag.protocols import Embedder
    from newsrag.settings import Settings

BLANK = "_____"
_KIND_WEIGHT = {"date": 3, "number": 2, "name": 1}
_KIND_TAG = {"date": "when", "number": "number", "name": "who"}
MIN_SENTENCE_CHARS, MAX_SENTENCE_CHARS = 40, 400


def _sentence_score(sentence: str, anchors: Sequence[Anchor]) -> float:
    if not (MIN_SENTENCE_CHARS <= len(sentence) <= MAX_SENTENCE_CHARS) or sentence[-1:] not in '.!?"”’\'':
        return 0.0  # headlines, captions and fragments make poor questions
    return float(sum(_KIND_WEIGHT[a.kind] for a in anchors))


def _blank_anchor(anchors: Sequence[Anchor], title: str) -> Anchor | None:
    """The anchor to blank out: the most specific kind, skipping names that are in the title."""
    ranked = sorted(anchors, key=lambda a: (-_KIND_WEIGHT[a.kind], a.start))
    for anchor in ranked:
        if anchor.kind == "name" and (anchor.text.lower() in title.lower() or len(anchor.text) < 4):
            continue
        return anchor
    return None


def draft_for_chunk(chunk: Chunk) -> GoldItem | None:
    """A cloze question from the chunk's most specific sentence, or None if it has none.

    >>> from newsrag.types import Chunk
    >>> text = "Talks went on. Iran and Iraq signed a deal in Baghdad on March 19."
    >>> c = Chunk("c1", "a1", 0, text, 0, len(text), "Deal", "/x/a.txt", 20)
    >>> item = draft_for_chunk(c)
    >>> item.question
    'Fill in the blank (from "Deal"): Iran and Iraq signed a deal in Baghdad on _____.'
    >>> item.answers, item.evidence[0].text
    (('March 19',), 'Iran and Iraq signed a deal in Baghdad on March 19.')
    """
    best: tuple[float, str, list[Anchor]] | None = None
    for span in sentence_spans(chunk.text):
        sentence = span.of(chunk.text)
        anchors = find_anchors(sentence)
        score = _sentence_score(sentence, anchors)
        if score > 0 and (best is None or score > best[0]):
            best = (score, sentence, anchors)
    if best is None:
        return None
    _, sentence, anchors = best
    anchor = _blank_anchor(anchors, chunk.title)
    if anchor is None:
        return None
    cloze = sentence[: anchor.start] + BLANK + sentence[anchor.end :]
    return GoldItem(
        id=f"draft-{chunk.id}",
        question=f'Fill in the blank (from "{chunk.title}"): {cloze}',
        answerable=True,
        answers=(anchor.text,),
        evidence=(GoldEvidence(text=sentence, file=Path(chunk.source_path).name),),
        types=("single", "cloze", _KIND_TAG[anchor.kind]),
        draft=True,
        notes="machine-drafted: rewrite as a natural question, check the answer, then remove 'draft'",
    )


def draft_questions(chunks: Sequence[Chunk], limit: int | None = None) -> list[GoldItem]:
    """One draft per chunk that has an anchored sentence, in index order, at most `limit`."""
    out = []
    for chunk in chunks:
        item = draft_for_chunk(chunk)
        if item is not None:
            out.append(item)
            if limit is not None and len(out) >= limit:
                break
    return out


def write_drafts(items: Sequence[GoldItem], path: Path | str) -> Path:
    """Write drafts to their own file; refuse to overwrite a file holding curated items."""
    path = Path(path)
    if path.exists():
        try:
            existing = load_gold(path, include_drafts=True).items
        except InputError:
            existing = ()
        if any(not i.draft for i in existing) or (path.stat().st_size and not existing):
            raise InputError(f"expected a new or drafts-only file for drafted questions, "
                             f"got curated content in '{path}'",
                             fix="write drafts to a separate file (e.g. drafts.jsonl) and merge reviewed items by hand")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_items(items, path)
    return path


def generate_drafts(settings: Settings, out: Path | str, *, articles: Path | str | None = None,
                    limit: int | None = None, embedder: Embedder | None = None) -> list[GoldItem]:
    """Draft questions from the index in `settings` (or from `articles`, indexed into a temp dir)."""
    import shutil
    import tempfile

    from index.embedder import load_index_embedder
    from index.index_reader import open_reader

    embedder = embedder or load_index_embedder(settings)
    tmp = None
    try:
        if articles is not None:  # never touch the user's index for a drafting run
            from index.pipeline import Indexer

            tmp = Path(tempfile.mkdtemp(prefix="newsrag-drafts-"))
            settings = settings.model_copy(update={"data_dir": tmp, "chroma_url": None})
            Indexer.from_settings(settings, embedder).index([Path(articles)])
        items = draft_questions(open_reader(settings, embedder).all_chunks(), limit)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    write_drafts(items, out)
    return items


def main_generate(argv: Sequence[str] | None = None) -> int:
    """`python -m evals.generate --out drafts.jsonl [--articles DIR] [--data-dir DIR] [--limit N]`."""
    from newsrag.errors import NewsragError
    from newsrag.offline import configure_offline

    configure_offline()
    from newsrag.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m evals.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="drafts file to write (never the curated set)")
    parser.add_argument("--articles", type=Path, help="draft from these articles (indexed in a temp dir)")
    parser.add_argument("--data-dir", type=Path, help="draft from this index (default: NEWSRAG_DATA_DIR)")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        items = generate_drafts(load_settings(data_dir=args.data_dir), args.out, articles=args.articles,
                                limit=args.limit)
    except NewsragError as exc:
        print(f"error: {exc.user_text}", file=sys.stderr)
        return 2
    print(f"wrote {len(items)} draft question(s) to {args.out}; review them before use (see evals/FORMAT.md)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main_generate())
