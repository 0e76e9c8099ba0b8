"""The index's invariants, named: what must hold between Chroma, the manifest and the stored BM25.

`check_invariants(settings)` returns every broken one in words ([] for a healthy index).
The crash, fault and pipeline tests call it after every kill and failure; `newsrag`
never needs it to answer (the read side trusts only what the manifest vouches for).

- chunk ids are unique in the manifest, every chunk has its article, every article with
  text has chunks with contiguous ordinals;
- Chroma holds exactly the manifest's chunks, each stamped with its article's
  fingerprint, its text equal to the article's text at the chunk's offsets;
- every chunk's sentences lie inside it, with vectors of the index's dimension (float16 or float32);
- a finished run names a stored keyword index of exactly the committed chunks;
- every stored date mention belongs to an article and quotes its text at its offsets, and
  relative ones only belong to dated articles; an article has a publication date exactly
  when it has that date's origin;
- a finished run's duplicate groups are of the current generation, name stored articles
  only, and put each article in at most one group;
- every stored MinHash signature belongs to an article, all are of one size, and after a
  finished run every article has one, under a recorded `minhash_key` (a rewrite or deletion
  drops an article's signature in its own transaction, and the run's regroup signs every
  article before the run is marked done).

Deliberately left out: repairing anything (the next `Indexer.index` run does that), and
re-sketching texts to compare with stored signatures (the tuning is the indexer's, not the
settings').
"""

from __future__ import annotations

from index.chroma_store import ChromaIndex
from index.lexical import LexicalIndex, corpus_key, lexical_folder
from index.manifest import Manifest
from newsrag.settings import Settings


def check_invariants(settings: Settings) -> list[str]:
    """Every broken index invariant, in words; [] for a healthy index."""
    problems: list[str] = []
    manifest = Manifest(settings.manifest_path, readonly=True)
    try:
        chroma = ChromaIndex.open_for_read(settings)
        owners = manifest.chunk_owners()
        manifest_ids = set(owners)
        manifest_count = manifest.chunk_count()
        if len(manifest_ids) != manifest_count:
            problems.append(f"chunk ids not unique in manifest: {manifest_count} rows, {len(manifest_ids)} ids")
        orphans = manifest.orphan_chunk_ids()
        if orphans:
            problems.append(f"orphan chunks in manifest (no article): {orphans[:5]}")
        chroma_count = chroma.count()
        if chroma_count != manifest_count:
            problems.append(f"Chroma holds {chroma_count} chunks, manifest {manifest_count}")
        got = chroma.collection.get(include=["documents", "metadatas"])
        chroma_ids = list(got["ids"])
        if len(set(chroma_ids)) != len(chroma_ids):
            problems.append("duplicate chunk ids in Chroma")
        stray = set(chroma_ids) - manifest_ids
        if stray:
            problems.append(f"{len(stray)} Chroma chunks not in manifest (orphans), e.g. {sorted(stray)[:3]}")
        missing = manifest_ids - set(chroma_ids)
        if missing:
            problems.append(f"{len(missing)} manifest chunks missing from Chroma, e.g. {sorted(missing)[:3]}")
        texts = {a.id: a.text for a in manifest.articles()}
        by_article: dict[str, list[int]] = {}
        for chunk in manifest.chunks():
            by_article.setdefault(chunk.article_id, []).append(chunk.ordinal)
        for cid, doc, meta in zip(chroma_ids, got["documents"] or [], got["metadatas"] or [], strict=True):
            if cid not in owners:
                continue
            aid, fp = owners[cid]
            if meta.get("fingerprint") != fp or meta.get("article_id") != aid:
                problems.append(f"chunk {cid} in Chroma is stale (fingerprint or article differs)")
            elif texts[aid][int(str(meta["start"])):int(str(meta["end"]))] != doc:
                problems.append(f"chunk {cid}: article text[{meta['start']}:{meta['end']}] != chunk text")
        for aid, ordinals in by_article.items():
            if sorted(ordinals) != list(range(len(ordinals))):
                problems.append(f"article {aid} has non-contiguous chunk ordinals {sorted(ordinals)[:10]}")
        for aid, text in texts.items():
            if text.strip() and aid not in by_article:
                problems.append(f"article {aid} has text but no chunks")
        problems.extend(manifest.sentence_problems(int(manifest.get_meta("embedding_dimension") or 0)))
        problems.extend(_lexical_problems(settings, manifest))
        problems.extend(_date_problems(manifest))
        problems.extend(_group_problems(manifest))
        problems.extend(manifest.signature_problems())
    finally:
        manifest.close()
    return problems


def _lexical_problems(settings: Settings, manifest: Manifest) -> list[str]:
    """A finished run must have stored the keyword index of exactly the committed chunks."""
    meta = manifest.meta()
    if meta.get("run_state") != "done":
        return []  # an interrupted run: the read side builds in memory until the next run stores it
    key = meta.get("bm25")
    if not key:
        return ["finished index names no stored keyword (BM25) index"]
    if meta.get("bm25_generation") != meta.get("generation"):
        return [f"stored keyword index is of generation {meta.get('bm25_generation')}, "
                f"the index is at {meta.get('generation')}"]
    chunks = manifest.chunks()
    if key != corpus_key(chunks):
        return [f"stored keyword index {key} was built from other chunks than the manifest's"]
    stored = LexicalIndex.load(lexical_folder(settings.data_dir, key), len(chunks))
    if stored is None:
        return [f"stored keyword index {key} is missing or unreadable"]
    if stored.chunk_ids() != [c.id for c in chunks]:
        return [f"stored keyword index {key} lists other chunk ids (or another order) than the manifest"]
    return []


def _date_problems(manifest: Manifest) -> list[str]:
    problems = []
    articles = {a.id: a for a in manifest.articles()}
    for a in articles.values():
        if (a.published is None) != (a.published_origin is None):
            problems.append(f"article {a.id}: published {a.published} but origin {a.published_origin!r}")
    for m in manifest.date_mentions():
        article = articles.get(m.article_id)
        if article is None:
            problems.append(f"date mention {m.text!r} belongs to no article ({m.article_id})")
        elif article.text[m.start:m.end] != m.text:
            problems.append(f"date mention {m.text!r} of {m.article_id} is not the text at [{m.start}:{m.end}]")
        elif m.relative and article.published is None:
            problems.append(f"relative date {m.text!r} resolved in {m.article_id}, which has no date")
    return problems


def _group_problems(manifest: Manifest) -> list[str]:
    meta = manifest.meta()
    if meta.get("run_state") != "done":
        return []  # an interrupted run regroups next time
    problems = []
    if meta.get("groups_generation") != meta.get("generation"):
        problems.append(f"duplicate groups are of generation {meta.get('groups_generation')}, "
                        f"the index is at {meta.get('generation')}")
    stored = manifest.conn.execute(
        "SELECT COUNT(*) FROM duplicate_groups g LEFT JOIN articles a ON a.id = g.article_id WHERE a.id IS NULL"
    ).fetchone()[0]
    if stored:
        problems.append(f"{stored} duplicate-group rows name no stored article")
    seen: set[str] = set()
    for group in manifest.duplicate_groups():
        twice = seen & set(group.article_ids)
        if twice:
            problems.append(f"articles {sorted(twice)} are in more than one duplicate group")
        seen |= set(group.article_ids)
    return problems
