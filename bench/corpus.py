"""A reproducible synthetic news corpus made of real sentences from seeds/.

Each generated article is a headline plus 6-24 sentences drawn (seeded RNG) from the
sentences of the seed articles, grouped 2-4 per paragraph line, so texts have real
news vocabulary, lengths and punctuation while ids stay unique (a numbered headline).
The same (n, seed) always gives byte-identical files, so benchmark runs compare.

Use: `write_corpus(folder, n_articles)` for loader/indexer runs (one .txt per article),
`generate_stories(n)` for in-memory use, `articles_for_chunks(n_chunks)` to size a
corpus for a chunk count (about 3 chunks per article at the default chunk settings).
CLI: `python -m bench.corpus OUT_DIR --articles 1000 [--seed 0]`.

Deliberately left out: realism beyond sentence level (stories are not coherent) and
answers (evals build their own questions from real articles).
"""

from __future__ import annotations

import argparse
import functools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from newsrag.text import sentence_spans

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
CHUNKS_PER_ARTICLE = 3.6  # measured at chunk_tokens=192, overlap 32
_ENDS_SENTENCE = re.compile(r"""[.!?]["'”’)]*$""")
_JUNK = re.compile(r"^(read more|source|- source)\b", re.IGNORECASE)
_PLACES = ("TEHRAN", "BAGHDAD", "ERBIL", "ANKARA", "DAMASCUS", "BEIRUT", "DOHA", "GENEVA")
_AGENCIES = ("Dispatches", "AP", "Reuters", "IRNA", "AFP")
_TOPICS = ("Border", "Security", "Talks", "Forces", "Agreement", "Region", "Officials", "Deadline")


@dataclass(frozen=True)
class Story:
    title: str
    body: str  # dateline + paragraphs, one per line

    def file_text(self) -> str:
        return f"{self.title}\n{self.body}\n"


@functools.lru_cache(maxsize=1)
def seed_sentences(seeds_dir: Path = SEEDS_DIR) -> tuple[str, ...]:
    """Whole sentences of the seed files (no headlines, teasers or source lines)."""
    out: list[str] = []
    for path in sorted(seeds_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()[1:]  # the first line is the headline
        for line in lines:
            for span in sentence_spans(line):
                sentence = span.of(line)
                if len(sentence) >= 40 and _ENDS_SENTENCE.search(sentence) and not _JUNK.match(sentence):
                    out.append(re.sub(r"^[A-Z][A-Z ]+\([^)]*\)\s*(--|–|—)\s*", "", sentence))
    return tuple(dict.fromkeys(out))


def generate_stories(n_articles: int, seed: int = 0) -> Iterator[Story]:
    rng = random.Random(seed)
    pool = seed_sentences()
    for i in range(n_articles):
        sentences = rng.sample(pool, k=min(len(pool), rng.randint(6, 24)))
        paragraphs = []
        while sentences:
            take = rng.randint(2, 4)
            paragraphs.append(" ".join(sentences[:take]))
            sentences = sentences[take:]
        place, agency = rng.choice(_PLACES), rng.choice(_AGENCIES)
        paragraphs[0] = f"{place} ({agency}) -- {paragraphs[0]}"
        words = rng.choice(pool).rstrip(".!?\"'”’").split()[:8]
        title = f"{rng.choice(_TOPICS)} Report {i + 1}: {' '.join(words)}"
        yield Story(title=title, body="\n".join(paragraphs))


def write_corpus(folder: Path, n_articles: int, seed: int = 0) -> list[Path]:
    """One .txt per story, 100 per subfolder; returns the written paths."""
    folder = Path(folder)
    paths = []
    for i, story in enumerate(generate_stories(n_articles, seed)):
        sub = folder / f"part{i // 100:04d}"
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"article_{i:06d}.txt"
        path.write_text(story.file_text(), encoding="utf-8")
        paths.append(path)
    return paths


def articles_for_chunks(n_chunks: int) -> int:
    return max(1, round(n_chunks / CHUNKS_PER_ARTICLE))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    paths = write_corpus(args.out_dir, args.articles, args.seed)
    print(f"wrote {len(paths)} articles under {args.out_dir}")


if __name__ == "__main__":
    main()
