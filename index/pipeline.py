"""The indexer: load -> chunk -> embed -> write Chroma + manifest, incrementally and crash-safely.

One run (`Indexer.index(paths)`), under a process lock (`index/lock.py`):
1. Reconcile. Chroma and the manifest are compared chunk by chunk (id + the article
   fingerprint stamped on each chunk). Chroma chunks the manifest does not know are
   deleted; manifest articles whose chunks are missing or stale in Chroma are re-embedded.
   This is what a kill -9 at any point leaves to repair, and it is all it can leave,
   because of the write order below.
2. Plan. Loaded articles are compared with the manifest by id (ids are content hashes,
   `index/ids.py`) and fingerprint (content + chunking): new or changed ones are embedded,
   unchanged ones are skipped. Articles whose files lie under this run's paths and were
   not seen are removed (indexing `uploads/` never touches `seeds/`). One story in two
   files is stored once with both paths.
3. Write, per batch of articles: one forward pass per chunk gives its vector and its
   sentences' vectors (`index/sentences.py`); Chroma first (deterministic chunk ids, so a
   repeat is an overwrite), then the manifest, chunks and sentence vectors together, in
   one SQLite transaction. Removals go the other way:
   manifest first, then Chroma. Either way a crash leaves only Chroma extras (deleted by
   the next reconcile) or manifest articles with missing chunks (re-embedded by it).

The embedding model is loaded only when there is something to embed: before the run when
`needs_indexing` (stat and manifest only) sees work, so a model that cannot load changes
nothing, else when step 3 finds some (a repair). The checks of an existing index (model
name, backend) and the plan need only the manifest, so a run over an unchanged folder never
imports torch (`index.embedder.PendingEmbedder`). The name and backend a pending embedder
declares are checked again against the loaded model, which is what the manifest records
beside the vectors it writes.

Loading (step 0) and chunking + embedding (in step 3) are handed to an `index.work.IndexWork`:
in this process by default (`LocalWork`), or as Ray tasks (`index.ray_work.RayWork`,
`newsrag index --workers N`); either way this process plans and writes, in the same order.

`index.invariants.check_invariants(settings)` names every broken invariant; tests use it after crashes.

Deliberately left out: file watching, and more than one writer. One writer at a time, started
by the CLI or the UI; `needs_indexing` is the cheap "is there work" check.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index.article_files import count_formats, discover_files, load_articles
from index.chroma_store import ChromaIndex
from index.chunker import Chunker
from index.dates import DATES_VERSION, find_date_mentions
from index.embedder import PendingEmbedder
from index.lexical import remove_other_lexical, write_lexical
from index.lock import IndexLock
from index.manifest import FileRecord, Manifest, content_hash, file_sha256, is_under
from index.progress import IndexProgress, ProgressCallback, StageClock, emit
from index.work import EmbeddedBatch, IndexWork, LocalWork, ModelInfo, PlannedArticle, estimated_chunks
from newsrag.errors import IndexStateError, InputError, NewsragError
from newsrag.protocols import Embedder, SpanEmbedder, same_vectors
from newsrag.settings import Settings
from newsrag.tuning import DuplicateTuning
from newsrag.types import Article, FileMessage, FormatCount, IndexReport

__all__ = ["Indexer", "IndexProgress", "needs_indexing"]

REBUILD_FIX = "re-index everything with the new model: `newsrag index --rebuild <folder>`"


def fingerprint(article: Article, chunker: Chunker, sentence_vectors: str) -> str:
    """What an article's chunks in Chroma must match: its content, the chunking and how
    its sentence vectors were made (a change in any of them re-embeds the article)."""
    return hashlib.sha256(f"{content_hash(article)}|{chunker.signature}|sv:{sentence_vectors}".encode()
                          ).hexdigest()[:24]


def _resolved(path: str | Path) -> str:
    return str(Path(path).resolve())


@dataclass(frozen=True)
class _Loaded:
    occurrences: tuple[tuple[Article, str], ...]  # (article, resolved file), duplicates kept
    problems: tuple[FileMessage, ...]
    files_seen: tuple[str, ...]
    notes: tuple[FileMessage, ...] = ()
    formats: tuple[FormatCount, ...] = ()

    @property
    def article_count(self) -> int:
        return len({a.id for a, _ in self.occurrences})


@dataclass
class _Plan:
    embed: list[tuple[Article, tuple[str, ...]]] = field(default_factory=list)
    unchanged: int = 0
    added: int = 0
    updated: int = 0
    remove: list[str] = field(default_factory=list)
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)  # unchanged articles, new paths
    replacements: int = 0  # removed articles whose file now holds an edited version (reported as updated)


class Indexer:
    def __init__(self, settings: Settings, embedder: Embedder | PendingEmbedder,
                 chunker: Chunker | None = None, work: IndexWork | None = None) -> None:
        self.settings = settings
        self._embedder = embedder  # the model the run declares; `work` loads and runs it (a pending one on first use)
        self.chunker = chunker or Chunker.from_settings(settings)
        self.work: IndexWork = work or LocalWork(embedder)
        self.clock = StageClock()  # per run; see IndexReport.stages
        self.tuning = DuplicateTuning()

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder | None = None,
                      work: IndexWork | None = None) -> Indexer:
        """An indexer embedding with `embedder`, or with the torch one (`load_index_embedder`,
        loaded only when a run has something to embed) in three cases: none is given, late
        sentence vectors need span pooling `embedder` lacks, or `embedder` is the query path's
        ONNX one (the same vectors, but without the token vectors late chunking pools). The web UI hands
        over the assistant's query embedder, so its uploads are indexed by torch too. `work`: who loads
        and embeds (`index.work`; in this process by default)."""
        from index.embedder import pending_index_embedder
        from index.onnx_embedder import BACKEND as ONNX_BACKEND

        if (embedder is None or embedder.backend == ONNX_BACKEND
                or (settings.sentence_vectors == "late" and not isinstance(embedder, SpanEmbedder))):
            return cls(settings, pending_index_embedder(settings), work=work)
        return cls(settings, embedder, work=work)

    def _load(self, paths: Sequence[Path], progress: ProgressCallback | None = None) -> _Loaded:
        """Load file by file, so that one story found in several files keeps every path.

        `load_articles` keeps one Article per id (the first path); the indexer also needs
        the other paths, for deletion scope and to report where a story came from.
        """
        limits = self.settings.file_limits
        files = discover_files(paths)
        found_in: list[Path] = [p for p in paths if not any(is_under(str(f), [_resolved(p)]) for f in files)]
        occurrences: list[tuple[Article, str]] = []
        problems: list[FileMessage] = []
        notes: list[FileMessage] = []
        per_file: list[tuple[Path, int]] = []
        if found_in:  # missing paths, empty folders, unsupported single files: the loader's words
            problems.extend(load_articles(found_in, limits).problems)
        every = max(1, len(files) // 20)  # about 20 load events, whatever the corpus size
        for n, result in enumerate(self.work.load(files, limits), start=1):  # in the order of `files`
            if n % every == 0:
                emit(progress, "load", n, len(files), f"read {n}/{len(files)} files")
            problems.extend(result.problems)
            notes.extend(result.notes)
            occurrences.extend((a, _resolved(a.source_path)) for a in result.articles)
            per_file.append((result.path, len(result.articles)))
        return _Loaded(tuple(occurrences), tuple(problems), tuple(str(f) for f in files), tuple(notes),
                       count_formats(per_file))

    def index(self, paths: Sequence[str | Path], progress: ProgressCallback | None = None,
              rebuild: bool = False) -> IndexReport:
        if not paths:
            raise InputError("expected at least one file or folder to index, got none",
                             fix="name a folder, e.g. `newsrag index seeds/`")
        folders = [Path(p) for p in paths]
        if not self.work.model_loaded and (rebuild or needs_indexing(self.settings, folders)):
            # Work ahead: load the model before the index is touched, so one that cannot load changes nothing.
            self.work.model()
        started = time.perf_counter()
        roots = [_resolved(p) for p in folders]
        with IndexLock(self.settings.data_dir):
            manifest = Manifest(self.settings.manifest_path)
            try:
                return self._run(manifest, folders, roots, progress, rebuild, started)
            finally:
                manifest.close()

    def _run(self, manifest: Manifest, paths: Sequence[Path], roots: list[str], progress: ProgressCallback | None,
             rebuild: bool, started: float) -> IndexReport:
        settings = self.settings
        # A pending embedder: the name and backend it declares, the model not loaded.
        wanted: Embedder | PendingEmbedder | ModelInfo = self._embedder
        refusal = None if rebuild else self._refusal(manifest, wanted)
        if (refusal is not None and isinstance(wanted, PendingEmbedder)
                and wanted.name == manifest.get_meta("embedding_model")):
            wanted = self.work.model()  # the index's model declared on another backend: the loaded one decides
            refusal = self._refusal(manifest, wanted)
        if refusal is not None:
            raise refusal
        if rebuild:
            ChromaIndex.drop(settings)
            manifest.clear()
        if manifest.article_count() == 0:  # every article this run writes is dated by today's resolver
            manifest.set_meta({"dates_version": DATES_VERSION})
        chroma = ChromaIndex.open_for_write(settings)
        manifest.set_meta({  # recorded again, with the dimension, by the model that embeds (`_embed_and_write`)
            "embedding_model": wanted.name,
            "embedding_backend": wanted.backend,
            "chunking": self.chunker.signature,
            "sentence_vectors": self.settings.sentence_vectors,
            "run_state": "running",
        })
        self.clock = StageClock()
        emit(progress, "load", 0, 0, f"reading {', '.join(map(str, paths))}")
        with self.clock.stage("load"):  # read, decode, extract and clean every file
            loaded = self._load(paths, progress)
        emit(progress, "load", len(loaded.files_seen), len(loaded.files_seen),
             f"{loaded.article_count} articles in {len(loaded.files_seen)} files")
        try:
            with self.clock.stage("plan"):  # reconcile with Chroma, compare with the manifest, removals
                damaged = self._reconcile(manifest, chroma, progress)
                plan = self._plan(manifest, loaded.occurrences, roots, damaged)
                self._remove(manifest, chroma, plan, progress)
                manifest.set_sources(plan.sources)
            embedded = self._embed_and_write(manifest, chroma, plan, progress)
            with self.clock.stage("dates"):
                self._refresh_dates(manifest)
            with self.clock.stage("duplicates"):
                self._store_duplicates(manifest, progress)
            with self.clock.stage("manifest"):
                self._record_files(manifest, roots, loaded.files_seen)
            with self.clock.stage("bm25"):
                self._store_lexical(manifest, progress)
        except NewsragError:
            raise
        except Exception as exc:  # Chroma / disk errors: the committed state stays consistent
            raise IndexStateError(
                f"expected to write the index at {settings.index_location}, got {type(exc).__name__}: {exc}",
                fix="free disk space / make the data dir writable and re-run `newsrag index`; "
                "it resumes from the last committed batch",
            ) from exc
        report = IndexReport(
            added=plan.added,
            updated=plan.updated,
            unchanged=plan.unchanged,
            removed=max(0, len(plan.remove) - plan.replacements),
            chunks_total=manifest.chunk_count(),
            chunks_embedded=embedded,
            seconds=time.perf_counter() - started,
            problems=tuple(loaded.problems),
            stages=self.clock.times(),
            notes=loaded.notes,
            formats=loaded.formats,
            ran_on=self.work.ran_on,
        )
        emit(progress, "done", 1, 1, f"{report.chunks_total} chunks, {embedded} embedded")
        return report

    def _refusal(self, manifest: Manifest, embedder: Embedder | PendingEmbedder | ModelInfo
                 ) -> IndexStateError | None:
        """Why `embedder` may not add to the index: the index was built with another model, or with
        a backend whose vectors differ; None when they match or the index has none recorded."""
        indexed_with = manifest.get_meta("embedding_model")
        if not indexed_with:
            return None
        if indexed_with != embedder.name:
            return IndexStateError(
                f"expected embedding model {indexed_with!r} (the index at {self.settings.index_location} was "
                f"built with it), got {embedder.name!r}",
                fix=f"{REBUILD_FIX}, or set NEWSRAG_EMBEDDING_MODEL={indexed_with}",
            )
        # Indexes written before the backend was recorded were all written by torch.
        indexed_by = manifest.get_meta("embedding_backend") or "torch"
        if not same_vectors(indexed_by, embedder.backend):
            return IndexStateError(
                f"expected vectors like the index's (written by the {indexed_by!r} backend), got an embedder "
                f"with the {embedder.backend!r} backend, whose vectors differ",
                fix=REBUILD_FIX,
            )
        return None

    def _reconcile(self, manifest: Manifest, chroma: ChromaIndex, progress: ProgressCallback | None) -> set[str]:
        """Delete Chroma chunks the manifest does not vouch for; return articles to re-embed."""
        owners = manifest.chunk_owners()
        in_chroma = chroma.fingerprints()
        extra = [cid for cid, fp in in_chroma.items() if cid not in owners or owners[cid][1] != fp]
        damaged = {aid for cid, (aid, fp) in owners.items() if in_chroma.get(cid) != fp}
        if extra or damaged:
            emit(progress, "reconcile", 0, len(extra) + len(damaged),
                 f"repairing: {len(extra)} stray chunks, {len(damaged)} articles to re-embed")
            chroma.delete(extra)
            emit(progress, "reconcile", len(extra) + len(damaged), len(extra) + len(damaged), "repaired")
        return damaged

    def _plan(self, manifest: Manifest, occurrences: Sequence[tuple[Article, str]], roots: list[str],
              damaged: set[str]) -> _Plan:
        seen: dict[str, Article] = {}
        seen_paths: dict[str, set[str]] = {}
        for article, path in sorted(occurrences, key=lambda o: (o[1], o[0].part)):
            seen.setdefault(article.id, article)  # the first path in sorted order, as the loader does
            seen_paths.setdefault(article.id, set()).add(path)
        stored_fp = manifest.fingerprints()
        stored_sources = manifest.sources()
        plan = _Plan()
        # Stored articles under this run's roots that were not seen lose those paths.
        replaced_paths: set[str] = set()
        for aid, stored in stored_sources.items():
            if aid in seen:
                continue
            kept = tuple(p for p in stored if not is_under(p, roots))
            if len(kept) == len(stored):
                continue
            if kept:
                plan.sources[aid] = kept
            else:
                plan.remove.append(aid)
                replaced_paths.update(stored)
        for aid, article in seen.items():
            outside = [p for p in stored_sources.get(aid, []) if not is_under(p, roots)]
            paths = tuple(sorted(set(outside) | seen_paths[aid]))
            unchanged = stored_fp.get(aid) == fingerprint(article, self.chunker, self.settings.sentence_vectors)
            if unchanged and aid not in damaged:
                plan.unchanged += 1
                if set(paths) != set(stored_sources.get(aid, [])):
                    plan.sources[aid] = paths
                continue
            plan.embed.append((article, paths))
            if aid in stored_fp:
                plan.updated += 1
            elif replaced_paths & seen_paths[aid]:
                plan.updated += 1  # an edited file: its story got a new content id
                plan.replacements += 1
            else:
                plan.added += 1
        # Damaged articles this run did not load (other folders): restore from the manifest.
        for aid in sorted(damaged - set(seen) - set(plan.remove)):
            restored = manifest.article(aid)
            if restored is not None:
                plan.embed.append((restored, tuple(plan.sources.get(aid, stored_sources.get(aid, ())))))
        return plan

    def _remove(self, manifest: Manifest, chroma: ChromaIndex, plan: _Plan, progress: ProgressCallback | None
                ) -> None:
        if not plan.remove:
            return
        emit(progress, "remove", 0, len(plan.remove), f"removing {len(plan.remove)} articles")
        chunk_ids = [cid for aid in plan.remove for cid in manifest.chunk_ids_of(aid)]
        manifest.delete_articles(plan.remove)  # manifest first: a crash leaves strays, not holes
        chroma.delete(chunk_ids)
        emit(progress, "remove", len(plan.remove), len(plan.remove), "removed")

    def _embed_and_write(self, manifest: Manifest, chroma: ChromaIndex, plan: _Plan,
                         progress: ProgressCallback | None) -> int:
        settings = self.settings
        planned = [PlannedArticle(article, paths, fingerprint(article, self.chunker, settings.sentence_vectors))
                   for article, paths in plan.embed]
        if planned:
            with self.clock.stage("model"):  # loads a pending model: there is something to embed
                model = self.work.model()
            # Stored vectors must match the loaded model's, not only what a pending one declared.
            if manifest.chunk_count() and (refusal := self._refusal(manifest, model)) is not None:
                raise refusal
            manifest.set_meta({"embedding_model": model.name, "embedding_backend": model.backend,
                               "embedding_dimension": str(model.dimension)})
            self._export_for_queries()
        # Chunk counts are known once articles are chunked (by the work): until then, an estimate.
        total = sum(estimated_chunks(p.article, self.chunker) for p in planned)
        emit(progress, "embed", 0, total, f"embedding about {total} chunks of {len(planned)} articles")
        done = 0
        for batch in self.work.embed(planned, settings, self.chunker, self.clock):  # in the order of `planned`
            done += self._write_batch(manifest, chroma, batch)
            emit(progress, "embed", done, batch.total_chunks, f"{done}/{batch.total_chunks} chunks")
        return done

    def _export_for_queries(self) -> None:
        """With the torch model loaded in this process anyway, make its ONNX export for the query
        path if missing (once per model and machine, `index.embedder.ensure_onnx_export`), so the
        first question after indexing does not load torch. Ray workers' models are elsewhere:
        there the first question makes it."""
        from index.embedder import SentenceTransformerEmbedder, ensure_onnx_export

        if not isinstance(self.work, LocalWork) or self.settings.query_embedder == "torch":
            return
        if isinstance(self.work.embedder, SentenceTransformerEmbedder):  # a stand-in has nothing to export
            with self.clock.stage("export"):
                ensure_onnx_export(self.settings, self.work.embedder)

    def _write_batch(self, manifest: Manifest, chroma: ChromaIndex, batch: EmbeddedBatch) -> int:
        chunks = [c for item in batch.items for c in item.chunks]
        # Old chunks of a re-written article beyond its new count would be strays: drop them.
        stale = [cid for item in batch.items for cid in manifest.chunk_ids_of(item.article.id)
                 if cid not in {c.id for c in item.chunks}]
        with self.clock.stage("chroma"):
            chroma.add(chunks, batch.vectors, {item.article.id: item.fingerprint for item in batch.items})
            chroma.delete(stale)
        with self.clock.stage("manifest"):
            manifest.write_articles(batch.items)  # the commit point of this batch
        return len(chunks)

    def _refresh_dates(self, manifest: Manifest) -> None:
        """Recompute every stored article's dates when the resolver changed (no embedding needed)."""
        if manifest.get_meta("dates_version") == DATES_VERSION:
            return
        manifest.replace_dates({a.id: find_date_mentions(a) for a in manifest.articles()}, DATES_VERSION)

    def _store_duplicates(self, manifest: Manifest, progress: ProgressCallback | None) -> None:
        """Group republished copies over the whole index when its content changed since the last grouping.

        Groups span runs (a wire copy indexed today joins yesterday's original), so they are
        recomputed over every article, but from stored MinHash signatures: only articles without
        one (new or changed: `write_articles` drops a rewritten article's signature in its own
        transaction) are read and sketched, and all of them when the sketch settings changed.
        Signatures are committed in batches before grouping; each is a function of its article's
        committed text, so a crash keeps those written and the next run sketches the rest. The
        groups are written in one transaction; a crash before it only leaves the previous groups,
        and the next run regroups (its generation no longer matches).
        """
        # datasketch (and SciPy): 0.4 s, only when regrouping
        from index.duplicates import article_signature, group_from_signatures, minhash_key

        key = minhash_key(self.tuning)
        if manifest.get_meta("groups_generation") == manifest.generation() and manifest.get_meta("minhash_key") == key:
            return
        if manifest.get_meta("minhash_key") != key:
            manifest.write_signatures({}, key)  # other sketch settings: drop every stored signature
        unsigned = manifest.unsigned_articles()
        batch_size = 2000  # a commit every few seconds of sketching: a crash loses at most that much
        emit(progress, "duplicates", 0, len(unsigned), f"sketching {len(unsigned)} new or changed articles")
        for at in range(0, len(unsigned), batch_size):
            batch = unsigned[at : at + batch_size]
            signatures = {a.id: article_signature(a, self.tuning) for a in batch}
            manifest.write_signatures(
                {aid: (s.word_count, s.text_length, s.hashvalues) for aid, s in signatures.items()}, key)
            emit(progress, "duplicates", at + len(batch), len(unsigned), f"{at + len(batch)} articles sketched")
        signed = manifest.signed_articles()
        emit(progress, "duplicates", 0, len(signed), f"looking for republished copies among {len(signed)} articles")
        groups = group_from_signatures(signed, self.tuning)
        manifest.replace_duplicate_groups(groups)
        emit(progress, "duplicates", len(signed), len(signed), f"{len(groups)} groups of republished copies")

    def _store_lexical(self, manifest: Manifest, progress: ProgressCallback | None) -> None:
        """Build the keyword index over every committed chunk, then name it and end the run in one
        commit: until then the manifest names the previous copy (or none), never a partial one."""
        chunks = manifest.chunks()
        emit(progress, "bm25", 0, len(chunks), f"keyword index over {len(chunks)} chunks")
        key = write_lexical(self.settings.data_dir, chunks)
        manifest.set_meta({"bm25": key, "bm25_generation": manifest.generation(), "run_state": "done"})
        remove_other_lexical(self.settings.data_dir, keep=key)
        emit(progress, "bm25", len(chunks), len(chunks), "keyword index stored")

    def _record_files(self, manifest: Manifest, roots: list[str], files_seen: Sequence[str]) -> None:
        known = manifest.files()
        records = []
        for path in files_seen:
            try:
                st = os.stat(path)
            except OSError:
                continue
            old = known.get(path)
            if old and old.mtime_ns == st.st_mtime_ns and old.size == st.st_size:
                records.append(old)
            else:
                records.append(FileRecord(path, st.st_mtime_ns, st.st_size, file_sha256(path)))
        manifest.replace_files(roots, records)


def needs_indexing(settings: Settings, paths: Sequence[str | Path]) -> bool:
    """True when there is no finished index, or a file under `paths` was added, changed or removed.

    Cheap: stat (mtime + size) first, a content hash only for files whose stat changed.
    """
    if not settings.manifest_path.is_file():
        return True
    try:
        manifest = Manifest(settings.manifest_path, readonly=True)
    except IndexStateError:
        return True
    try:
        meta = manifest.meta()
        if meta.get("run_state") != "done" or meta.get("embedding_model") != settings.embedding_model:
            return True
        if meta.get("chunking") != Chunker.from_settings(settings).signature:
            return True
        if meta.get("sentence_vectors") != settings.sentence_vectors:
            return True
        if meta.get("dates_version") != DATES_VERSION or meta.get("groups_generation") != manifest.generation():
            return True  # dates or duplicate groups from an older version or an interrupted run
        roots = [_resolved(p) for p in paths]
        recorded = {p: r for p, r in manifest.files().items() if is_under(p, roots)}
    finally:
        manifest.close()
    current = [str(f) for f in discover_files([Path(p) for p in paths])]  # resolved, as recorded
    if set(current) != set(recorded):
        return True
    for path in current:
        rec = recorded[path]
        try:
            st = os.stat(path)
        except OSError:
            return True
        if (st.st_mtime_ns, st.st_size) != (rec.mtime_ns, rec.size) and file_sha256(path) != rec.sha256:
            return True
    return False
