"""Regrouping republished copies: from scratch vs from stored MinHash signatures after 1% new articles.

Writes a synthetic corpus (`story_files`: distinct random-word stories of 120-400 words, one in
ten republished once with a line dropped and a new headline) as .txt files, indexes it with the
HashEmbedder (no model), then adds 1% more articles and indexes again. Timed:

- scratch: `group_duplicates(manifest.articles())`, what every regroup did before signatures;
- incremental: the indexer's "duplicates" stage of the second run (sketch the new 1%, read every
  signature without text, group), as `Indexer` reports it.

`bench.corpus`'s stories are not used: they draw sentences from a small seed pool, so most of
them share sentences and chain into one group, which no real corpus does.

CLI: `python -m bench.duplicates_bench --articles 2000 20000`.
Deliberately left out: the embedding and Chroma stages (timed by bench/index_bench.py).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from newsrag.offline import configure_offline
from newsrag.types import StageTime

configure_offline()  # before chromadb and tiktoken are imported (by `measure`)

_LETTERS = "abcdefghiklmnoprstuvwy"


def _story(rng: random.Random, vocabulary: list[str], number: int) -> str:
    lines = [f"Story {number}: " + " ".join(rng.choices(vocabulary, k=8))]
    for _ in range(rng.randint(4, 10)):
        lines.append(" ".join(rng.choices(vocabulary, k=rng.randint(30, 40))) + ".")
    return "\n".join(lines) + "\n"


def story_files(folder: Path, n: int, seed: int = 0, copy_every: int = 10) -> list[Path]:
    """Write n articles (about n / copy_every of them republished copies) as .txt files into folder."""
    rng = random.Random(seed)
    vocabulary = sorted({"".join(rng.choices(_LETTERS, k=rng.randint(2, 9))) for _ in range(20000)})
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    number = 0
    while len(paths) < n:
        text = _story(rng, vocabulary, number)
        path = folder / f"s{seed}-{number:06}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
        if number % copy_every == 0 and len(paths) < n:
            lines = text.splitlines()
            body = lines[1:]
            del body[rng.randrange(len(body))]
            copy = folder / f"s{seed}-{number:06}-copy.txt"
            copy.write_text("\n".join([f"Republished {lines[0]}", *body]) + "\n", encoding="utf-8")
            paths.append(copy)
        number += 1
    return paths


def measure(n: int, workdir: Path) -> dict[str, float]:
    from index.duplicates import group_duplicates
    from index.manifest import Manifest
    from index.pipeline import Indexer
    from newsrag.settings import Settings
    from tests.fakes import HashEmbedder

    settings = Settings(data_dir=workdir / "data", embedding_model="hash-embedder")
    corpus = workdir / "corpus"
    story_files(corpus, n, seed=1)
    first = Indexer.from_settings(settings, embedder=HashEmbedder()).index([corpus])
    story_files(corpus / "new", max(1, n // 100), seed=2)
    second = Indexer.from_settings(settings, embedder=HashEmbedder()).index([corpus])
    manifest = Manifest(settings.manifest_path, readonly=True)
    try:
        started = time.perf_counter()
        articles = manifest.articles()
        groups = group_duplicates(articles)
        scratch = time.perf_counter() - started
        assert list(groups) == manifest.duplicate_groups(), "incremental groups differ from scratch"
    finally:
        manifest.close()
    return {
        "articles": float(len(articles)),
        "groups": float(len(groups)),
        "first_run_duplicates_s": _stage(first.stages, "duplicates"),
        "scratch_s": scratch,
        "incremental_s": _stage(second.stages, "duplicates"),
    }


def _stage(stages: tuple[StageTime, ...], name: str) -> float:
    return sum(s.seconds for s in stages if s.stage == name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[2000, 20000])
    args = parser.parse_args(argv)
    for n in args.articles:
        with tempfile.TemporaryDirectory() as tmp:
            r = measure(n, Path(tmp))
        print(f"{int(r['articles'])} articles, {int(r['groups'])} groups: first run (all sketched) "
              f"{r['first_run_duplicates_s']:.2f} s; regroup from scratch {r['scratch_s']:.2f} s; "
              f"incremental after +1% {r['incremental_s']:.2f} s")


if __name__ == "__main__":
    main()
