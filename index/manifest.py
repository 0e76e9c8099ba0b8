"""The manifest: a SQLite file that is the docstore and the ledger of the index.

It holds every indexed article (full cleaned text and metadata), the chunk table
(id, article, ordinal, offsets), the files seen per run (path -> mtime, size, hash)
and meta (embedding model, dimension, chunk settings, last run, a generation counter).
Chroma holds only what search needs (vectors, chunk text, filterable metadata).

Why SQLite and not llama-index's SimpleDocumentStore: that store is a JSON file
rewritten whole on every persist, so a kill during a write loses or truncates the
whole docstore, and it cannot answer "which chunks belong to files under this folder"
without loading everything. SQLite in WAL mode commits one transaction per batch of
articles: after a crash the manifest is exactly the last committed batch, never a
half-written article. Readers keep reading while the indexer writes.

Sentence vectors live here, not in Chroma: they are never searched by nearest neighbour,
only read for the few chunks a question retrieved, and writing them in the chunks'
transaction keeps them consistent with the chunks through any crash. They are written as
float16 (half the bytes: ~25 GB instead of ~49 GB at 4M chunks of ~8 sentences); reading
tells float16 from float32 rows by blob length, so an index written before as float32 (or
half re-indexed since) reads unchanged, and callers always get float32 arrays.

Each article's MinHash signature (index/duplicates.py) is kept too, so that regrouping
republished copies sketches only new and changed articles and reads no text. A signature is
a cache of its article's text: the transaction that rewrites or deletes an article deletes
its signature, so a stored one always belongs to the current text, and meta `minhash_key`
names the sketch settings they were made with.

Deliberately left out: chunk vectors (they live in Chroma only) and any schema migration
beyond `CREATE TABLE IF NOT EXISTS` (a newer schema asks for `newsrag index --rebuild`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from newsrag.errors import IndexStateError
from newsrag.types import Article, ArticleFacet, Chunk, ChunkSentences, DateMention, DuplicateGroup

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    source_path TEXT NOT NULL,
    url TEXT,
    source TEXT,
    dateline TEXT,
    published TEXT,
    published_origin TEXT,
    part INTEGER NOT NULL DEFAULT 0,
    content_hash TEXT NOT NULL,
    fingerprint TEXT NOT NULL
);
-- the newest articles without a scan of every article (example questions at archive scale)
CREATE INDEX IF NOT EXISTS articles_by_date ON articles (published, id);
CREATE INDEX IF NOT EXISTS articles_by_outlet ON articles (source);
CREATE TABLE IF NOT EXISTS article_sources (
    article_id TEXT NOT NULL,
    source_path TEXT NOT NULL,
    PRIMARY KEY (article_id, source_path)
);
CREATE INDEX IF NOT EXISTS article_sources_by_path ON article_sources (source_path);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    token_count INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks (article_id, ordinal);
CREATE TABLE IF NOT EXISTS sentences (
    chunk_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (chunk_id, ordinal)
);
CREATE TABLE IF NOT EXISTS dates (
    article_id TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,
    value TEXT NOT NULL,
    granularity TEXT NOT NULL,
    relative INTEGER NOT NULL,
    PRIMARY KEY (article_id, start)
);
CREATE TABLE IF NOT EXISTS duplicate_groups (
    article_id TEXT PRIMARY KEY,
    group_no INTEGER NOT NULL,
    member_rank INTEGER NOT NULL,
    similarity REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS minhashes (
    article_id TEXT PRIMARY KEY,
    word_count INTEGER NOT NULL,
    text_length INTEGER NOT NULL,
    hashvalues BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL
);
"""

# Unit vectors lose nothing that matters in float16 (`bench/sentence_dtype_check.py`, real model on the
# seeds: cosine with the float32 vector >= 0.9999998, question-sentence scores move < 1e-4, none of the
# gold set's 95 answers or citations changes), and the table is the index's largest part. No meta key
# records the width: rows of both widths can coexist (an incremental run over an older index rewrites
# only changed articles), so each row's length is what says.
SENTENCE_VECTOR_DTYPE = np.float16
_READABLE_SENTENCE_DTYPES = (np.dtype(np.float16), np.dtype(np.float32))
# MinHash values as datasketch's "affine32" scheme holds them, little-endian whatever the machine.
MINHASH_DTYPE = np.dtype("<u4")

_DELETE_SENTENCES_OF_ARTICLE = "DELETE FROM sentences WHERE chunk_id IN (SELECT id FROM chunks WHERE article_id = ?)"
_ARTICLE_COLUMNS = "id, title, text, source_path, url, source, dateline, published, part, published_origin"


def content_hash(article: Article) -> str:
    """Hash of everything stored about an article: a change in any field re-indexes it."""
    fields = (
        article.title,
        article.text,
        article.url or "",
        article.source or "",
        article.dateline or "",
        article.published.isoformat() if article.published else "",
        str(article.part),
    ) + ((article.published_origin,) if article.published_origin else ())  # older undated articles keep their hash
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileRecord:
    path: str
    mtime_ns: int
    size: int
    sha256: str


@dataclass(frozen=True)
class StoredArticle:
    """One article as written in one transaction: the row, its sources and its chunks."""

    article: Article
    source_paths: tuple[str, ...]
    fingerprint: str  # content hash + chunking; also stamped on each chunk in Chroma
    chunks: tuple[Chunk, ...]
    sentences: tuple[ChunkSentences, ...] = ()  # one per chunk, written in the same transaction
    dates: tuple[DateMention, ...] = ()  # the article's resolved date expressions (index/dates.py)


@dataclass(frozen=True)
class SignedArticle:
    """What grouping republished copies (index/duplicates.py) needs of one article: no text."""

    id: str
    url: str | None
    source_path: str
    published: dt.date | None
    text_length: int  # len(text)
    word_count: int | None  # None: not sketched
    hashvalues: NDArray[np.uint32] | None  # the MinHash values; None: not sketched


def _article_from_row(row: sqlite3.Row | tuple[Any, ...]) -> Article:
    id_, title, text, source_path, url, source, dateline, published, part, origin = row
    return Article(
        id=id_,
        title=title,
        text=text,
        source_path=source_path,
        url=url,
        source=source,
        dateline=dateline,
        published=dt.date.fromisoformat(published) if published else None,
        part=part,
        published_origin=origin,
    )


class Manifest:
    """A connection to the manifest; `readonly=True` never creates or writes anything."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        try:
            if readonly:
                if not self.path.is_file():
                    raise IndexStateError(
                        f"expected an index manifest at {self.path}, got none",
                        fix="build the index first: run `newsrag index seeds/`",
                    )
                self.conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
                self.conn.execute("PRAGMA journal_mode=WAL")
                self.conn.execute("PRAGMA synchronous=FULL")
                self.conn.executescript(_SCHEMA)
                columns = {row[1] for row in self.conn.execute("PRAGMA table_info(articles)")}
                if "published_origin" not in columns:  # a manifest written before dates had origins
                    self.conn.execute("ALTER TABLE articles ADD COLUMN published_origin TEXT")
                if self.get_meta("schema_version") is None:
                    self.set_meta({"schema_version": SCHEMA_VERSION, "generation": "0"})
            self.conn.execute("PRAGMA busy_timeout=10000")
            if readonly and not self._current_schema():
                self.conn.close()
                raise IndexStateError(
                    f"expected an index written by this version at {self.path}, got one from an older version",
                    fix="run `newsrag index <folder>` once (or `make chat`) to bring it up to date",
                )
        except sqlite3.Error as exc:
            raise IndexStateError(
                f"expected a readable SQLite manifest at {self.path}, got {type(exc).__name__}: {exc}",
                fix="check the data dir is writable and not full, or run `newsrag index --rebuild`",
            ) from exc

    def close(self) -> None:
        self.conn.close()

    def _current_schema(self) -> bool:
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        columns = {r[1] for r in self.conn.execute("PRAGMA table_info(articles)")}
        return {"dates", "duplicate_groups"} <= tables and "published_origin" in columns

    # ----------------------------------------------------------------- transactions
    @contextmanager
    def transaction(self, *, content: bool = True) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; any error rolls back, so a batch is all or nothing.

        `content=True` bumps the generation: readers re-read what changed. Bookkeeping
        (meta, file stats) does not, so a no-op run leaves readers' caches valid.
        """
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                if content:
                    self._bump_generation()
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise IndexStateError(
                f"expected to write the manifest {self.path}, got {type(exc).__name__}: {exc}",
                fix="free disk space / make the data dir writable and re-run `newsrag index`; "
                "the last committed state is intact",
            ) from exc

    def _bump_generation(self) -> None:
        self.conn.execute(
            "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation'"
        )

    # ----------------------------------------------------------------- meta
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM meta").fetchall())

    def set_meta(self, values: dict[str, str]) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", values.items())

        if self.conn.in_transaction:
            write(self.conn)
        else:
            with self.transaction(content=False) as conn:
                write(conn)

    def generation(self) -> str:
        return self.get_meta("generation") or "0"

    # ----------------------------------------------------------------- articles
    def write_articles(self, items: Sequence[StoredArticle]) -> None:
        """Replace these articles, their sources and chunks in one transaction."""
        now = dt.datetime.now(dt.UTC).isoformat()
        with self.transaction() as conn:
            for item in items:
                a = item.article
                conn.execute(_DELETE_SENTENCES_OF_ARTICLE, (a.id,))
                conn.execute("DELETE FROM chunks WHERE article_id = ?", (a.id,))
                conn.execute("DELETE FROM dates WHERE article_id = ?", (a.id,))
                conn.execute("DELETE FROM article_sources WHERE article_id = ?", (a.id,))
                # The text may change: its signature is made again at the next regroup, from this text.
                conn.execute("DELETE FROM minhashes WHERE article_id = ?", (a.id,))
                conn.execute(
                    f"INSERT OR REPLACE INTO articles ({_ARTICLE_COLUMNS}, content_hash, fingerprint) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        a.id, a.title, a.text, a.source_path, a.url, a.source, a.dateline,
                        a.published.isoformat() if a.published else None, a.part, a.published_origin,
                        content_hash(a), item.fingerprint,
                    ),
                )
                _write_dates(conn, a.id, item.dates)
                conn.executemany(
                    "INSERT OR IGNORE INTO article_sources (article_id, source_path) VALUES (?, ?)",
                    [(a.id, p) for p in item.source_paths],
                )
                conn.executemany(
                    'INSERT INTO chunks (id, article_id, ordinal, start, "end", token_count) '
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(c.id, a.id, c.ordinal, c.start, c.end, c.token_count) for c in item.chunks],
                )
                conn.executemany(
                    'INSERT OR REPLACE INTO sentences (chunk_id, ordinal, start, "end", vector) VALUES (?, ?, ?, ?, ?)',
                    [(cs.chunk_id, n, start, end, np.asarray(vec, dtype=SENTENCE_VECTOR_DTYPE).tobytes())
                     for cs in item.sentences
                     for n, ((start, end), vec) in enumerate(zip(cs.spans, cs.vectors, strict=True))],
                )
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_indexed', ?)", (now,))

    def set_sources(self, sources: Mapping[str, Iterable[str]]) -> None:
        """Replace the recorded source files of these articles, in one transaction."""
        if not sources:
            return
        with self.transaction() as conn:
            for article_id, paths in sources.items():
                conn.execute("DELETE FROM article_sources WHERE article_id = ?", (article_id,))
                conn.executemany(
                    "INSERT OR IGNORE INTO article_sources (article_id, source_path) VALUES (?, ?)",
                    [(article_id, p) for p in paths],
                )

    def delete_articles(self, article_ids: Iterable[str]) -> None:
        ids = [(i,) for i in article_ids]
        if not ids:
            return
        with self.transaction() as conn:
            conn.executemany(_DELETE_SENTENCES_OF_ARTICLE, ids)
            conn.executemany("DELETE FROM chunks WHERE article_id = ?", ids)
            conn.executemany("DELETE FROM article_sources WHERE article_id = ?", ids)
            conn.executemany("DELETE FROM dates WHERE article_id = ?", ids)
            conn.executemany("DELETE FROM duplicate_groups WHERE article_id = ?", ids)
            conn.executemany("DELETE FROM minhashes WHERE article_id = ?", ids)
            conn.executemany("DELETE FROM articles WHERE id = ?", ids)

    def clear(self) -> None:
        """Drop all content (for --rebuild); meta keeps only schema and generation."""
        with self.transaction() as conn:
            for table in ("sentences", "chunks", "article_sources", "dates", "duplicate_groups", "minhashes",
                          "articles", "files"):
                conn.execute(f"DELETE FROM {table}")
            conn.execute("DELETE FROM meta WHERE key NOT IN ('schema_version', 'generation')")

    def fingerprints(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT id, fingerprint FROM articles").fetchall())

    def sources(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for article_id, path in self.conn.execute(
            "SELECT article_id, source_path FROM article_sources ORDER BY article_id, source_path"
        ):
            out.setdefault(article_id, []).append(path)
        return out

    def article(self, article_id: str) -> Article | None:
        row = self.conn.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _article_from_row(row) if row else None

    def articles(self) -> list[Article]:
        rows = self.conn.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles ORDER BY id").fetchall()
        return [_article_from_row(r) for r in rows]

    def article_facets(self) -> list[ArticleFacet]:
        """Every article's id, title, outlet, first path and date, ordered by id: no texts read."""
        return [ArticleFacet(aid, title, source, path, dt.date.fromisoformat(published) if published else None, url)
                for aid, title, source, path, published, url in self.conn.execute(
                    "SELECT id, title, source, source_path, published, url FROM articles ORDER BY id")]

    def article_ids(self) -> list[str]:
        """Every article id, ordered (read from the primary key's index alone)."""
        return [aid for (aid,) in self.conn.execute("SELECT id FROM articles ORDER BY id")]

    def outlets(self) -> dict[str, int]:
        """Outlet name -> article count, most articles first (then by name); the index on
        `source` answers it without reading the articles."""
        rows = self.conn.execute("SELECT source, COUNT(*) FROM articles WHERE source IS NOT NULL AND source != '' "
                                 "GROUP BY source")
        return dict(sorted(((name, int(n)) for name, n in rows), key=lambda row: (-row[1], row[0])))

    def newest_articles(self, limit: int) -> list[ArticleFacet]:
        """The `limit` latest-dated articles, newest first (undated last, ties by id, descending).

        SQLite orders NULL first, so descending puts undated articles last; with the
        `articles_by_date` index this reads `limit` rows, not the table."""
        return [ArticleFacet(aid, title, source, path, dt.date.fromisoformat(published) if published else None, url)
                for aid, title, source, path, published, url in self.conn.execute(
                    "SELECT id, title, source, source_path, published, url FROM articles "
                    "ORDER BY published DESC, id DESC LIMIT ?", (limit,))]

    def article_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def dated_article_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM articles WHERE published IS NOT NULL").fetchone()[0])

    def article_titles(self, limit: int | None = None) -> tuple[tuple[str, str], ...]:
        """(id, title) ordered by title; the first `limit` only when given."""
        return tuple(self.conn.execute("SELECT id, title FROM articles ORDER BY title, id LIMIT ?",
                                       (-1 if limit is None else limit,)).fetchall())

    def titles_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        ids = list(dict.fromkeys(article_ids))
        for at in range(0, len(ids), 500):  # SQLite's bound-parameter limit
            part = ids[at : at + 500]
            out.update(self.conn.execute(f'SELECT id, title FROM articles WHERE id IN ({",".join("?" * len(part))})',
                                         part).fetchall())
        return out

    # ----------------------------------------------------------------- chunks
    def chunk_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def chunk_owners(self) -> dict[str, tuple[str, str]]:
        """chunk id -> (article id, article fingerprint): what Chroma's copy must carry."""
        rows = self.conn.execute(
            "SELECT c.id, c.article_id, a.fingerprint FROM chunks c JOIN articles a ON a.id = c.article_id"
        ).fetchall()
        return {cid: (aid, fp) for cid, aid, fp in rows}

    def chunk_ids_of(self, article_id: str) -> list[str]:
        rows = self.conn.execute("SELECT id FROM chunks WHERE article_id = ? ORDER BY ordinal", (article_id,))
        return [r[0] for r in rows]

    def chunks(self) -> list[Chunk]:
        """Every chunk, text sliced from its article, ordered by article id then ordinal.

        Articles are read once and chunks joined here, not in SQL: a JOIN would copy the
        whole article text into every chunk row (at 100k chunks, 10x slower and gigabytes
        of transient strings), and chunks of one article now share its title and path.
        """
        articles = {
            aid: (title, text, path, source, dateline, dt.date.fromisoformat(published) if published else None)
            for aid, title, text, path, source, dateline, published in self.conn.execute(
                "SELECT id, title, text, source_path, source, dateline, published FROM articles"
            )
        }
        out = []
        for cid, aid, ordinal, start, end, tokens in self.conn.execute(
            'SELECT id, article_id, ordinal, start, "end", token_count FROM chunks ORDER BY article_id, ordinal'
        ):
            article = articles.get(aid)
            if article is None:  # an orphan chunk row (the JOIN this replaces skipped them too)
                continue
            title, text, path, source, dateline, published = article
            out.append(Chunk(
                id=cid, article_id=aid, ordinal=ordinal, text=text[start:end], start=start, end=end,
                title=title, source_path=path, token_count=tokens, source=source, dateline=dateline,
                published=published,
            ))
        return out

    def article_chunks(self, article_id: str) -> list[Chunk]:
        """One article's chunks, in reading order."""
        found = self.chunks_by_id(self.chunk_ids_of(article_id))
        return sorted(found.values(), key=lambda c: c.ordinal)

    def chunks_by_id(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]:
        """These chunks (those the manifest holds), each sliced from its article's text."""
        rows: list[tuple[str, str, int, int, int, int]] = []
        ids = list(dict.fromkeys(chunk_ids))
        for at in range(0, len(ids), 500):  # SQLite's bound-parameter limit
            part = ids[at : at + 500]
            rows.extend(self.conn.execute(
                f'SELECT id, article_id, ordinal, start, "end", token_count FROM chunks '
                f'WHERE id IN ({",".join("?" * len(part))})', part))
        article_ids = list(dict.fromkeys(r[1] for r in rows))
        articles = {}
        for at in range(0, len(article_ids), 500):
            part = article_ids[at : at + 500]
            for aid, title, text, path, source, dateline, published in self.conn.execute(
                "SELECT id, title, text, source_path, source, dateline, published FROM articles "
                f'WHERE id IN ({",".join("?" * len(part))})', part):
                articles[aid] = (title, text, path, source, dateline,
                                 dt.date.fromisoformat(published) if published else None)
        out = {}
        for cid, aid, ordinal, start, end, tokens in rows:
            if aid in articles:  # an orphan chunk row is no chunk of the index
                title, text, path, source, dateline, published = articles[aid]
                out[cid] = Chunk(id=cid, article_id=aid, ordinal=ordinal, text=text[start:end], start=start,
                                 end=end, title=title, source_path=path, token_count=tokens, source=source,
                                 dateline=dateline, published=published)
        return out

    def sentences(self, chunk_ids: Sequence[str], dimension: int) -> dict[str, ChunkSentences]:
        """Stored sentence spans and vectors of these chunks; chunks without rows are left out."""
        rows: dict[str, list[tuple[int, int, bytes]]] = {}
        ids = list(dict.fromkeys(chunk_ids))
        for at in range(0, len(ids), 500):  # SQLite's bound-parameter limit
            part = ids[at : at + 500]
            marks = ",".join("?" * len(part))
            for cid, start, end, blob in self.conn.execute(
                f'SELECT chunk_id, start, "end", vector FROM sentences WHERE chunk_id IN ({marks}) '
                "ORDER BY chunk_id, ordinal", part,
            ):
                rows.setdefault(cid, []).append((start, end, blob))
        out = {}
        for cid, found in rows.items():
            vectors = decode_sentence_vectors([b for _, _, b in found], dimension)
            out[cid] = ChunkSentences(cid, tuple((s, e) for s, e, _ in found), vectors)
        return out

    def sentence_problems(self, dimension: int) -> list[str]:
        """Broken sentence-table invariants, in words (for `check_invariants`)."""
        problems = []
        orphans = self.conn.execute(
            "SELECT COUNT(*) FROM sentences s LEFT JOIN chunks c ON c.id = s.chunk_id WHERE c.id IS NULL").fetchone()[0]
        if orphans:
            problems.append(f"{orphans} sentence rows belong to no chunk")
        outside = self.conn.execute(
            'SELECT COUNT(*) FROM sentences s JOIN chunks c ON c.id = s.chunk_id '
            'WHERE s.start < c.start OR s."end" > c."end" OR s.start >= s."end"').fetchone()[0]
        if outside:
            problems.append(f"{outside} sentence spans lie outside their chunk")
        sizes = tuple(t.itemsize * dimension for t in _READABLE_SENTENCE_DTYPES)
        bad_size = self.conn.execute("SELECT COUNT(*) FROM sentences WHERE length(vector) NOT IN (?, ?)",
                                     sizes).fetchone()[0]
        if bad_size:
            problems.append(f"{bad_size} sentence vectors are not {dimension}-dimensional float16 or float32")
        bare = self.conn.execute(
            "SELECT COUNT(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM sentences s WHERE s.chunk_id = c.id)"
        ).fetchone()[0]
        if bare:
            problems.append(f"{bare} chunks have no stored sentence vectors")
        return problems

    def orphan_chunk_ids(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT c.id FROM chunks c LEFT JOIN articles a ON a.id = c.article_id WHERE a.id IS NULL"
        )
        return [r[0] for r in rows]

    # ----------------------------------------------------------------- dates and duplicates
    def replace_dates(self, mentions: Mapping[str, Sequence[DateMention]], version: str) -> None:
        """Rewrite the date rows of these articles and record the resolver version, in one transaction."""
        with self.transaction() as conn:
            for article_id, found in mentions.items():
                conn.execute("DELETE FROM dates WHERE article_id = ?", (article_id,))
                _write_dates(conn, article_id, found)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('dates_version', ?)", (version,))

    def date_mentions(self, article_ids: Sequence[str] | None = None) -> list[DateMention]:
        """Stored date mentions of these articles (all when None), by article id then offset."""
        query = 'SELECT article_id, start, "end", text, value, granularity, relative FROM dates'
        rows: list[tuple[Any, ...]] = []
        if article_ids is None:
            rows = self.conn.execute(query + " ORDER BY article_id, start").fetchall()
        else:
            ids = list(dict.fromkeys(article_ids))
            for at in range(0, len(ids), 500):
                part = ids[at : at + 500]
                rows += self.conn.execute(
                    query + f" WHERE article_id IN ({','.join('?' * len(part))}) ORDER BY article_id, start", part
                ).fetchall()
        return [DateMention(aid, start, end, text, dt.date.fromisoformat(value), granularity, bool(relative))
                for aid, start, end, text, value, granularity, relative in rows]

    def replace_duplicate_groups(self, groups: Sequence[DuplicateGroup]) -> None:
        """Store this run's groups of republished copies (all of them: groups span runs)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM duplicate_groups")
            conn.executemany(
                "INSERT INTO duplicate_groups (article_id, group_no, member_rank, similarity) VALUES (?, ?, ?, ?)",
                [(aid, n, rank, g.similarity) for n, g in enumerate(groups) for rank, aid in enumerate(g.article_ids)],
            )
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('groups_generation', ?)",
                         (str(int(self.generation()) + 1),))  # the generation this commit ends with

    def unsigned_articles(self) -> list[Article]:
        """Articles with no stored MinHash signature (new or changed since the last regroup), by id."""
        rows = self.conn.execute(
            f"SELECT {', '.join('a.' + c.strip() for c in _ARTICLE_COLUMNS.split(','))} FROM articles a "
            "WHERE NOT EXISTS (SELECT 1 FROM minhashes m WHERE m.article_id = a.id) ORDER BY a.id").fetchall()
        return [_article_from_row(r) for r in rows]

    def write_signatures(self, signatures: Mapping[str, tuple[int, int, NDArray[np.uint32]]], key: str) -> None:
        """Store these articles' (word count, text length, MinHash values) made under `key`, in one
        transaction. Another key than the stored one drops every stored signature first: they were
        made with other sketch settings. Not content (no generation bump): readers never read them."""
        with self.transaction(content=False) as conn:
            if self.get_meta("minhash_key") != key:
                conn.execute("DELETE FROM minhashes")
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('minhash_key', ?)", (key,))
            conn.executemany(
                "INSERT OR REPLACE INTO minhashes (article_id, word_count, text_length, hashvalues) "
                "VALUES (?, ?, ?, ?)",
                [(aid, words, length, np.asarray(values, dtype=MINHASH_DTYPE).tobytes())
                 for aid, (words, length, values) in signatures.items()],
            )

    def signed_articles(self) -> list[SignedArticle]:
        """Every article with its stored signature (None where it has none), without reading any text."""
        rows = self.conn.execute(
            "SELECT a.id, a.url, a.source_path, a.published, m.text_length, m.word_count, m.hashvalues "
            "FROM articles a LEFT JOIN minhashes m ON m.article_id = a.id ORDER BY a.id").fetchall()
        out = []
        for aid, url, path, published, length, words, blob in rows:
            if blob is None:  # unsigned: its length is read only then (SQLite's length() counts characters)
                length = self.conn.execute("SELECT length(text) FROM articles WHERE id = ?", (aid,)).fetchone()[0]
            out.append(SignedArticle(
                id=aid, url=url, source_path=path, published=dt.date.fromisoformat(published) if published else None,
                text_length=int(length), word_count=words,
                hashvalues=None if blob is None else np.frombuffer(blob, dtype=MINHASH_DTYPE).astype(np.uint32),
            ))
        return out

    def signature_problems(self) -> list[str]:
        """Broken signature-table invariants, in words (for `check_invariants`)."""
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "minhashes" not in tables:  # a manifest from before signatures: the next run adds the table
            return []
        problems = []
        orphans = self.conn.execute(
            "SELECT COUNT(*) FROM minhashes m LEFT JOIN articles a ON a.id = m.article_id WHERE a.id IS NULL"
        ).fetchone()[0]
        if orphans:
            problems.append(f"{orphans} MinHash signatures belong to no article")
        sizes = self.conn.execute("SELECT COUNT(DISTINCT length(hashvalues)) FROM minhashes").fetchone()[0]
        if sizes > 1:
            problems.append(f"MinHash signatures of {sizes} different sizes are stored")
        meta = self.meta()
        if meta.get("run_state") == "done":  # a finished run regrouped after its last article write
            unsigned = self.conn.execute(
                "SELECT COUNT(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM minhashes m WHERE m.article_id = a.id)"
            ).fetchone()[0]
            if unsigned:
                problems.append(f"{unsigned} articles have no MinHash signature after a finished run")
            if not meta.get("minhash_key"):
                problems.append("a finished run names no MinHash key for its stored signatures")
        return problems

    def duplicate_groups(self) -> list[DuplicateGroup]:
        rows = self.conn.execute(
            "SELECT g.group_no, g.article_id, g.similarity FROM duplicate_groups g "
            "JOIN articles a ON a.id = g.article_id ORDER BY g.group_no, g.member_rank").fetchall()
        members: dict[int, list[str]] = {}
        similarity: dict[int, float] = {}
        for group_no, aid, sim in rows:
            members.setdefault(group_no, []).append(aid)
            similarity[group_no] = float(sim)
        return [DuplicateGroup(tuple(ids), similarity[n]) for n, ids in members.items() if len(ids) > 1]

    # ----------------------------------------------------------------- files
    def files(self) -> dict[str, FileRecord]:
        rows = self.conn.execute("SELECT path, mtime_ns, size, sha256 FROM files").fetchall()
        return {r[0]: FileRecord(*r) for r in rows}

    def replace_files(self, under: Sequence[str], records: Iterable[FileRecord]) -> None:
        """Forget recorded files under these roots, then record this run's files."""
        with self.transaction(content=False) as conn:
            for path in self.files():
                if is_under(path, under):
                    conn.execute("DELETE FROM files WHERE path = ?", (path,))
            conn.executemany(
                "INSERT OR REPLACE INTO files (path, mtime_ns, size, sha256) VALUES (?, ?, ?, ?)",
                [(r.path, r.mtime_ns, r.size, r.sha256) for r in records],
            )


def _write_dates(conn: sqlite3.Connection, article_id: str, mentions: Sequence[DateMention]) -> None:
    conn.executemany(
        'INSERT OR REPLACE INTO dates (article_id, start, "end", text, value, granularity, relative) '
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(article_id, m.start, m.end, m.text, m.value.isoformat(), m.granularity, int(m.relative)) for m in mentions],
    )


def decode_sentence_vectors(blobs: Sequence[bytes], dimension: int) -> np.ndarray:
    """Stored sentence-vector blobs -> float32 (len(blobs), dimension); each blob float16 or float32 by length.

    float16 rows are renormalised to unit length after widening; float32 rows are returned as stored.
    """
    out = np.empty((len(blobs), dimension), dtype=np.float32)
    for dtype in _READABLE_SENTENCE_DTYPES:  # one frombuffer per width: a chunk's rows are read together
        rows = [n for n, blob in enumerate(blobs) if len(blob) == dtype.itemsize * dimension]
        if not rows:
            continue
        block = np.frombuffer(b"".join(blobs[n] for n in rows), dtype=dtype).reshape(len(rows), dimension)
        block = block.astype(np.float32)
        if dtype == np.float16:
            # Rounding leaves the norm up to ~1e-4 off 1; callers are promised unit rows (ChunkSentences).
            norms = np.linalg.norm(block, axis=1, keepdims=True)
            block = block / np.where(norms == 0, 1.0, norms)
        out[rows] = block
    sizes = {t.itemsize * dimension for t in _READABLE_SENTENCE_DTYPES}
    if any(len(blob) not in sizes for blob in blobs):
        bad = next(len(blob) for blob in blobs if len(blob) not in sizes)
        raise IndexStateError(f"a stored sentence vector has {bad} bytes, not {dimension} float16 or "
                              "float32 values; run `newsrag index --rebuild`")
    return out


def is_under(path: str, roots: Sequence[str]) -> bool:
    """True when `path` is one of `roots` or inside one of them (all resolved strings)."""
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)
