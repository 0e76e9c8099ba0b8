"""Indexing benchmark: our pipeline vs raw model throughput and vs plain llama-index.

Run: `python -m bench.index_bench [--articles 1000] [--seed 0] [--json out.json]`.
Builds a reproducible corpus (`bench/corpus.py`), then, with the packaged MiniLM on CPU:
1. indexes it with `Indexer` into a temp dir (articles/s, chunks/s, peak RSS) and shows
   where the time went (`IndexReport.stages`: load, plan, chunk, embed, Chroma write,
   manifest, BM25; reading the bytes and tokenizing measured alone beside them),
2. re-indexes the unchanged corpus (time as a fraction of the first run; target <= 2%),
3. encodes the very same chunk texts with one batched `SentenceTransformer.encode`
   call (the ceiling; target: our chunks/s >= 0.95x of it, sentence vectors included),
4. runs llama-index's `VectorStoreIndex.from_documents` on the same articles into
   Chroma, our embedder wrapped in a `BaseEmbedding`, library defaults otherwise:
   once with SentenceSplitter at our chunk size (same model work) and once with its
   default 1024-token chunks (less model work, but MiniLM truncates them at 256 word
   pieces, so most of each article is never embedded). Expected at the same chunk size:
   >= 1.0x (both are bound by the model).

Deliberately left out: assertions. This is a measurement, not a test; numbers depend on
the machine and on whatever else shares its CPU.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from newsrag.offline import configure_offline

configure_offline()

from bench.corpus import write_corpus  # noqa: E402
from index.embedder import SentenceTransformerEmbedder, load_index_embedder  # noqa: E402
from index.index_reader import open_reader  # noqa: E402
from index.pipeline import Indexer  # noqa: E402
from newsrag.settings import Settings  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _llama_index_baseline(settings: Settings, embedder: SentenceTransformerEmbedder, corpus: Path,
                          work: Path, matched: bool) -> tuple[float, int]:
    """Plain llama-index: Documents -> SentenceSplitter -> embed (batches of 10) -> Chroma.

    `matched=True` sets the splitter to our chunk size and overlap (same model work, a fair
    throughput comparison); `matched=False` keeps SentenceSplitter's defaults (1024 tokens,
    200 overlap), which MiniLM silently truncates to 256 word pieces.
    """
    import chromadb
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from evals.baseline import wrap_embedder
    from index.article_files import load_articles

    started = time.perf_counter()
    articles = load_articles([corpus], settings.file_limits).articles
    documents = [Document(text=a.text, metadata={"title": a.title}, id_=a.id) for a in articles]
    client = chromadb.PersistentClient(path=str(work / f"llama-chroma-{matched}"),
                                       settings=chromadb.config.Settings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("baseline", configuration={"hnsw": {"space": "cosine"}},
                                                 embedding_function=None)
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    splitter = (SentenceSplitter(chunk_size=settings.chunk_tokens, chunk_overlap=settings.chunk_overlap_tokens)
                if matched else SentenceSplitter())
    VectorStoreIndex.from_documents(documents, storage_context=storage,
                                    embed_model=wrap_embedder(embedder, embed_batch_size=10),
                                    transformations=[splitter], show_progress=False)
    return time.perf_counter() - started, collection.count()


def run(n_articles: int, seed: int, baseline: bool = True) -> dict[str, float | str]:
    results: dict[str, float | str] = {"articles": n_articles}
    with tempfile.TemporaryDirectory(prefix="newsrag-bench-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        write_corpus(corpus, n_articles, seed)
        settings = Settings(data_dir=work / "data")

        t = time.perf_counter()
        embedder = load_index_embedder(settings)
        embedder.embed_documents(["warm up the model"] * 8)
        results["model_load_s"] = time.perf_counter() - t

        first = Indexer.from_settings(settings, embedder=embedder).index([corpus])
        results.update(
            first_run_s=first.seconds, chunks=first.chunks_total,
            articles_per_s=first.added / first.seconds, chunks_per_s=first.chunks_embedded / first.seconds,
            peak_rss_mb_after_index=peak_rss_mb(),
        )
        again = Indexer.from_settings(settings, embedder=embedder).index([corpus])
        results["reindex_unchanged_s"] = again.seconds
        results["reindex_fraction"] = again.seconds / first.seconds

        # The same corpus with each sentence encoded on its own instead of pooled from the chunk's pass.
        separate = settings.model_copy(update={"data_dir": work / "data-separate", "sentence_vectors": "separate"})
        other = Indexer.from_settings(separate, embedder=embedder).index([corpus])
        results.update(sentence_mode=settings.sentence_vectors, separate_run_s=other.seconds,
                       separate_over_default=other.seconds / first.seconds)

        results.update({f"stage_{st.stage}_s": st.seconds for st in first.stages})
        files = sorted(p for p in corpus.rglob("*") if p.is_file())
        t = time.perf_counter()
        for path in files:
            path.read_bytes()
        results["read_bytes_s"] = time.perf_counter() - t  # the "read" part of the load stage
        texts = [c.embedding_text for c in open_reader(settings).all_chunks()]
        t = time.perf_counter()
        embedder.model.tokenizer([t.strip() for t in texts], truncation="longest_first",
                                 max_length=embedder.model.max_seq_length)
        results["tokenize_s"] = time.perf_counter() - t
        t = time.perf_counter()
        embedder.model.encode(texts, batch_size=settings.embed_batch_size, normalize_embeddings=True,
                              convert_to_numpy=True, show_progress_bar=False)
        raw_s = time.perf_counter() - t
        results["raw_encode_s"] = raw_s
        results["raw_chunks_per_s"] = len(texts) / raw_s
        results["ratio_to_raw_encode"] = results["chunks_per_s"] / results["raw_chunks_per_s"]

        if baseline:
            llama_s, llama_chunks = _llama_index_baseline(settings, embedder, corpus, work, matched=True)
            results.update(llama_index_s=llama_s, llama_index_chunks=llama_chunks,
                           llama_index_chunks_per_s=llama_chunks / llama_s,
                           speedup_vs_llama_index=llama_s / first.seconds,
                           throughput_ratio_vs_llama_index=results["chunks_per_s"] / (llama_chunks / llama_s))
            default_s, default_chunks = _llama_index_baseline(settings, embedder, corpus, work, matched=False)
            results.update(llama_default_s=default_s, llama_default_chunks=default_chunks,
                           speedup_vs_llama_default=default_s / first.seconds)
        results["peak_rss_mb"] = peak_rss_mb()
    return results


STAGE_NAMES = {
    "load": "read + decode + clean files",
    "plan": "reconcile, plan, removals",
    "chunk": "chunk (token counts)",
    "embed": "tokenize + model + sentence pooling",
    "chroma": "Chroma write",
    "manifest": "manifest commits",
    "bm25": "BM25 build + store",
}


def _print_breakdown(r: dict[str, float | str]) -> None:
    total = float(r["first_run_s"])
    print("where the first run's time went:")
    for stage, label in STAGE_NAMES.items():
        seconds = float(r.get(f"stage_{stage}_s", 0.0))
        print(f"  {label:<38} {seconds:7.2f}s {100 * seconds / total:5.1f}%")
        if stage == "load":
            print(f"    of which reading the bytes          {float(r['read_bytes_s']):7.2f}s")
        if stage == "embed":
            tok = float(r["tokenize_s"])
            print(f"    of which tokenizing (measured alone) {tok:6.2f}s; the model and pooling the rest")
    known = sum(float(r.get(f"stage_{s}_s", 0.0)) for s in STAGE_NAMES)
    print(f"  {'other (locks, meta, progress)':<38} {total - known:7.2f}s {100 * (total - known) / total:5.1f}%")


def _print(results: dict[str, float | str]) -> None:
    r = results
    _print_breakdown(r)
    print(f"corpus: {int(r['articles'])} articles, {int(r['chunks'])} chunks (model load {r['model_load_s']:.1f}s)")
    print(f"index (first run):   {r['first_run_s']:.1f}s  {r['articles_per_s']:.1f} articles/s  "
          f"{r['chunks_per_s']:.1f} chunks/s")
    print(f"raw encode:          {r['raw_encode_s']:.1f}s  {r['raw_chunks_per_s']:.1f} chunks/s  "
          f"-> pipeline/raw = {r['ratio_to_raw_encode']:.2f} (target >= 0.95)")
    if "llama_index_s" in r:
        print(f"llama-index plain:   {r['llama_index_s']:.1f}s  {int(r['llama_index_chunks'])} chunks  "
              f"{r['llama_index_chunks_per_s']:.1f} chunks/s -> ours is {r['speedup_vs_llama_index']:.2f}x faster "
              f"(wall), {r['throughput_ratio_vs_llama_index']:.2f}x chunks/s "
              "(expected >= 1.0: both bound by the model)")
    if "llama_default_s" in r:
        print(f"llama-index defaults: {r['llama_default_s']:.1f}s  {int(r['llama_default_chunks'])} chunks of up to "
              f"1024 tokens, truncated by MiniLM at 256 -> ours is {r['speedup_vs_llama_default']:.2f}x faster (wall)")
    print(f"sentence vectors:    {r['sentence_mode']!s} (default) {r['first_run_s']:.1f}s; each sentence encoded "
          f"alone {r['separate_run_s']:.1f}s = {r['separate_over_default']:.2f}x; chunk vectors alone (raw encode) "
          f"{r['raw_encode_s']:.1f}s")
    print(f"re-index unchanged:  {r['reindex_unchanged_s']:.2f}s = {100 * r['reindex_fraction']:.2f}% "
          f"of the first run (target <= 2%)")
    print(f"peak RSS:            {r['peak_rss_mb_after_index']:.0f} MiB after indexing, "
          f"{r['peak_rss_mb']:.0f} MiB overall")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="newsrag indexing benchmark")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-baseline", action="store_true", help="skip the llama-index comparison")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)
    results = run(args.articles, args.seed, baseline=not args.no_baseline)
    _print(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
