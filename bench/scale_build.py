"""Builds a synthetic index of up to millions of chunks through the real stores, fast enough to measure.

Why: the whole `Indexer` runs at ~100-140 chunks/s on 2 cores even with the pool embedder
(`bench/pool_embedder.py`): reading and cleaning each file, resolving its dates and
sketching it for republished copies cost more than the stores. A million chunks that way
is two to three hours. The read side, which is what `bench/scale_bench.py` measures at a
million chunks, needs the stores as the indexer leaves them, not the indexer's front half.

What it does: articles are made of real news sentences (every sentence of the development
collections' articles under `evals/devdata/*/articles.jsonl.gz`, ~20k distinct sentences, each
embedded once with the packaged model and cached in `artifacts/bench-cache/`). An article is a
numbered headline plus 6-24 sentences drawn with a seeded RNG, 2-4 per paragraph, an outlet and
a publication date. Its chunks are packed by the chunker's own `pack` from the sentences' token
counts (tiktoken), a chunk's vector is the normalised mean of its headline's and sentences'
vectors, its sentence vectors are the sentences' own. Then the real write path takes over:
`ChromaIndex.add` (llama-index's ChromaVectorStore into Chroma), `Manifest.write_articles` (one
transaction per batch, as the indexer commits), and `index.lexical.write_lexical` (the stored
BM25), with the manifest metadata the indexer records. Stage times and peak memory are returned.

Deliberately left out: loading and cleaning files, dates resolved from text and republished-story
groups (the `Indexer` does those; `bench/index_bench.py` and `bench/duplicates_bench.py` measure
them), and any claim about answer quality: stories are not coherent.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.chunker import Chunker, _Unit, count_tokens, pack
from index.ids import article_id, chunk_id
from index.manifest import Manifest, StoredArticle
from index.pipeline import fingerprint
from newsrag.settings import Settings
from newsrag.text import sentence_spans
from newsrag.types import Article, Chunk, ChunkSentences

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((PROJECT_ROOT / "evals" / "devdata").glob("*/articles.jsonl.gz"))
OUTLETS = ("Wire Service", "Daily Ledger", "Evening Post", "Global Desk", "Metro Herald")
TOPICS = ("Border", "Security", "Talks", "Markets", "Agreement", "Region", "Officials", "Deadline")
WRITE_CHUNKS = 4000  # chunks per commit: what the indexer writes per batch at its default batch size x 8, doubled
SENTENCE_VECTORS = "separate"  # each stored sentence vector is the sentence embedded alone
DESCRIPTION = ("bulk writer: real news sentences embedded once, chunk = normalised mean of its headline and "
               "sentences, written by ChromaIndex.add + Manifest.write_articles + write_lexical (bench/scale_build.py)")


@dataclass(frozen=True)
class SentencePool:
    """Distinct real sentences with their token counts and unit vectors (one row each)."""

    texts: tuple[str, ...]
    tokens: np.ndarray  # int32
    vectors: np.ndarray  # float32, L2-normalised


def pool_sentences() -> list[str]:
    out: dict[str, None] = {}
    for path in SOURCES:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                text = json.loads(line)["text"]
                for para in text.splitlines():
                    for span in sentence_spans(para):
                        s = span.of(para).strip()
                        if 40 <= len(s) <= 400 and s[-1] in ".!?\"'”’)":
                            out[s] = None
    return list(out)


def sentence_pool(settings: Settings, cache_dir: Path) -> SentencePool:
    """The pool, embedded with the packaged model once and cached (keyed by its texts and model)."""
    texts = pool_sentences()
    key = hashlib.sha256(("\n".join(texts) + "|" + settings.embedding_model).encode()).hexdigest()[:16]
    path = cache_dir / f"scale_pool_{key}.npz"
    if path.is_file():
        data = np.load(path)
        return SentencePool(tuple(texts), data["tokens"], data["vectors"])
    from index.embedder import load_index_embedder

    tokens = np.array([count_tokens(t) for t in texts], dtype=np.int32)
    vectors = np.asarray(load_index_embedder(settings).embed_documents(texts), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, tokens=tokens, vectors=vectors)
    tmp.replace(path)
    return SentencePool(tuple(texts), tokens, vectors)


def synthetic_articles(pool: SentencePool, n_articles: int, chunker: Chunker, seed: int
                       ) -> Iterator[tuple[StoredArticle, np.ndarray]]:
    """Each article ready to write (chunks and sentence vectors filled in) and its chunk vectors."""
    rng = np.random.default_rng(seed)
    usable = np.flatnonzero(pool.tokens <= chunker.chunk_tokens // 2)
    start_day = dt.date(2015, 1, 1)
    for i in range(n_articles):
        picks = rng.choice(usable, size=int(rng.integers(6, 25)), replace=False)
        head = int(rng.choice(usable))  # the headline: the first words of a sentence, and its vector
        title = f"{TOPICS[i % len(TOPICS)]} Report {i + 1}: {' '.join(pool.texts[head].split()[:8]).rstrip('.,;:')}"
        title_vector = pool.vectors[head]
        parts: list[str] = []
        units: list[_Unit] = []
        offset = 0
        k = 0
        while k < len(picks):
            take = int(rng.integers(2, 5))
            for n, sid in enumerate(picks[k : k + take]):
                sep = "" if not parts else ("\n" if n == 0 else " ")
                offset += len(sep)
                text = pool.texts[int(sid)]
                parts.append(sep + text)
                units.append(_Unit(offset, offset + len(text), int(pool.tokens[sid])))
                offset += len(text)
            k += take
        body = "".join(parts)
        published = start_day + dt.timedelta(days=int(rng.integers(0, 3650)))
        source = OUTLETS[i % len(OUTLETS)]
        aid = article_id(title, body)
        article = Article(id=aid, title=title, text=body, source_path=f"/bench/scale/part{i // 1000:04d}/{i:07d}.txt",
                          source=source, published=published, published_origin="dateline")
        chunks, sentences, vectors = [], [], []
        for ordinal, (a, b) in enumerate(pack(units, chunker.chunk_tokens, chunker.overlap_tokens)):
            cid = chunk_id(aid, ordinal)
            s, e = units[a].start, units[b - 1].end
            chunks.append(Chunk(id=cid, article_id=aid, ordinal=ordinal, text=body[s:e], start=s, end=e,
                                title=title, source_path=article.source_path,
                                token_count=sum(u.tokens for u in units[a:b]) + (b - a - 1),
                                source=source, published=published))
            rows = pool.vectors[picks[a:b]]
            sentences.append(ChunkSentences(cid, tuple((u.start, u.end) for u in units[a:b]), rows))
            mean = (rows.sum(axis=0) + title_vector) / (b - a + 1)
            vectors.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
        fp = fingerprint(article, chunker, SENTENCE_VECTORS)
        yield (StoredArticle(article, (article.source_path,), fp, tuple(chunks), tuple(sentences)),
               np.asarray(vectors, dtype=np.float32))


def build(settings: Settings, n_chunks: int, seed: int, cache_dir: Path, progress: bool = True) -> dict[str, float]:
    """Write a ~n_chunks index into settings.data_dir (which must not hold one); returns what it cost."""
    from index.chroma_store import ChromaIndex
    from index.embedder import pending_index_embedder
    from index.lexical import remove_other_lexical, write_lexical

    settings = settings.model_copy(update={"sentence_vectors": SENTENCE_VECTORS})
    chunker = Chunker.from_settings(settings)
    t0 = time.perf_counter()
    pool = sentence_pool(settings, cache_dir)
    times = {"pool_s": time.perf_counter() - t0, "generate_s": 0.0, "chroma_s": 0.0, "manifest_s": 0.0}
    model = pending_index_embedder(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(settings.manifest_path)
    chroma = ChromaIndex.open_for_write(settings)
    manifest.set_meta({"embedding_model": model.name, "embedding_backend": model.backend,
                       "embedding_dimension": str(pool.vectors.shape[1]), "chunking": chunker.signature,
                       "sentence_vectors": SENTENCE_VECTORS, "run_state": "running"})
    written = articles = 0
    batch: list[StoredArticle] = []
    batch_vectors: list[np.ndarray] = []

    def flush() -> None:
        nonlocal written
        chunks = [c for item in batch for c in item.chunks]
        t = time.perf_counter()
        chroma.add(chunks, np.concatenate(batch_vectors), {item.article.id: item.fingerprint for item in batch})
        times["chroma_s"] += time.perf_counter() - t
        t = time.perf_counter()
        manifest.write_articles(batch)
        times["manifest_s"] += time.perf_counter() - t
        written += len(chunks)
        batch.clear()
        batch_vectors.clear()
        if progress:
            print(f"  {written} chunks written ({time.perf_counter() - t0:.0f} s)", flush=True)

    n_articles = 10**9  # stop on the chunk count, not an article count
    t = time.perf_counter()
    for item, vectors in synthetic_articles(pool, n_articles, chunker, seed):
        batch.append(item)
        batch_vectors.append(vectors)
        articles += 1
        pending = sum(len(b.chunks) for b in batch)
        if pending >= WRITE_CHUNKS or written + pending >= n_chunks:
            times["generate_s"] += time.perf_counter() - t
            flush()
            t = time.perf_counter()
            if written >= n_chunks:
                break
    t = time.perf_counter()
    key = write_lexical(settings.data_dir, manifest.chunks())
    manifest.set_meta({"bm25": key, "bm25_generation": manifest.generation(), "run_state": "done"})
    remove_other_lexical(settings.data_dir, keep=key)
    times["bm25_s"] = time.perf_counter() - t
    manifest.close()
    times["total_s"] = time.perf_counter() - t0
    out = {k: round(v, 1) for k, v in times.items()}
    out.update(chunks=written, articles=articles,
               write_chunks_per_s=round(written / max(times["chroma_s"] + times["manifest_s"], 1e-9), 1),
               peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
               pool_sentences=len(pool.texts))
    return out
