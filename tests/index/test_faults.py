"""Faults around a finished index: damaged or missing Chroma files, a full disk, a model gone.

Each test starts from a copy of one healthy index of the seeds (built once per module
with the fast HashEmbedder) under a fresh path, which is what a new process sees:
chromadb caches one open store per folder and process, so a copy under another path is
read from disk again. Each fault must give a `NewsragError` that names the problem and
the fix (and through the CLI: exit code 2, "error: ...", no traceback), must leave the
manifest exactly as it was committed, and must be repaired by the command the fix names.

`kill -9` during indexing lives in test_crash_recovery.py. The child process used
here (this file run as a script) is the real CLI with the HashEmbedder swapped in for
the model name "hash-embedder", so a subprocess costs no model load.
"""

from __future__ import annotations

import dataclasses
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from index.chroma_store import ChromaIndex
from index.index_reader import open_reader
from index.invariants import check_invariants
from index.manifest import Manifest
from index.pipeline import Indexer
from newsrag.errors import ConfigError, IndexStateError, NewsragError
from newsrag.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "What was the September 19 deadline?"


# ----------------------------------------------------------------------------- helpers


def snap(settings: Settings) -> tuple:
    """tests/index/conftest.py's snapshot (ids, fingerprints, texts, offsets, sources) as a plain tuple."""
    from tests.index.conftest import snapshot

    return dataclasses.astuple(snapshot(settings))


def manifest_rows(settings: Settings) -> dict[str, list[tuple]]:
    """Every row of every manifest table, opened read-only; plus SQLite's own integrity verdict."""
    conn = sqlite3.connect(f"file:{settings.manifest_path}?mode=ro", uri=True)
    try:
        out = {
            table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall())
            for table in ("meta", "articles", "article_sources", "chunks", "files")
        }
        out["integrity"] = conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()
    assert out["integrity"] == [("ok",)]
    return out


def _hash_cli(monkeypatch: pytest.MonkeyPatch, embedder_cls, argv: list[str], capsys) -> tuple[int, str, str]:
    """`newsrag ARGV` in this process, the HashEmbedder standing in for the model."""
    import index.embedder
    from cli.main import main

    real = index.embedder.load_index_embedder
    monkeypatch.setattr(
        index.embedder, "load_index_embedder",
        lambda s: embedder_cls() if s.embedding_model == "hash-embedder" else real(s),
    )
    capsys.readouterr()
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def _spawn_cli(argv: list[str], fsize_limit: int | None = None) -> subprocess.CompletedProcess:
    """`newsrag ARGV` in a fresh process (this file as a script), optionally with a file-size limit.

    RLIMIT_FSIZE makes every write past `fsize_limit` bytes fail with EFBIG, which SQLite
    reports like a full disk; SIGXFSZ is ignored so the write fails instead of the process.
    """

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_limit, fsize_limit))

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("NEWSRAG_DEBUG", None)
    return subprocess.run(
        [sys.executable, __file__, *argv], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
        preexec_fn=limit if fsize_limit else None,
    )


def assert_clean_cli_error(rc: int, err: str, *needles: str) -> None:
    assert rc == 2, err
    assert err.startswith("error: "), err
    assert "Traceback" not in err and "internal error" not in err, err
    assert "Fix:" in err, err
    for needle in needles:
        assert needle in err, (needle, err)


@dataclass(frozen=True)
class BaseIndex:
    data_dir: Path
    articles: Path
    snapshot: object
    manifest: dict


@pytest.fixture(scope="module")
def base_index(tmp_path_factory) -> BaseIndex:
    from tests.conftest import SEEDS_DIR
    from tests.fakes import HashEmbedder

    root = tmp_path_factory.mktemp("faults-base")
    articles = root / "articles"
    shutil.copytree(SEEDS_DIR, articles)
    settings = Settings(data_dir=root / "data", embedding_model="hash-embedder")
    Indexer(settings, HashEmbedder()).index([articles])
    assert check_invariants(settings) == []
    return BaseIndex(settings.data_dir, articles, snap(settings), manifest_rows(settings))


@pytest.fixture
def index_copy(base_index: BaseIndex, tmp_path: Path) -> Settings:
    """A healthy index under a path this process has never opened."""
    data = tmp_path / "data"
    shutil.copytree(base_index.data_dir, data)
    return Settings(data_dir=data, embedding_model="hash-embedder")


def _assistant(settings: Settings, embedder):
    from rag.assistant import Assistant
    from rag.checking.support_checker import SupportChecker

    return Assistant.from_settings(settings, embedder=embedder, chat_model=None, checker=SupportChecker(embedder=None))


def assert_answers_from_the_index(settings: Settings, embedder) -> None:
    answer = _assistant(settings, embedder).ask(QUESTION)
    assert not answer.refused and "September 19" in answer.text
    known = set(Manifest(settings.manifest_path, readonly=True).chunk_owners())
    assert {p.chunk.id for p in answer.passages} <= known


def assert_converged(settings: Settings, base: BaseIndex) -> None:
    assert check_invariants(settings) == []
    assert snap(settings) == base.snapshot


# ----------------------------------------------------------------------------- Chroma missing or damaged


def test_missing_chroma_folder_is_named_and_a_plain_index_run_restores_it(
    index_copy, base_index, embedder_cls, monkeypatch, capsys
) -> None:
    settings = index_copy
    shutil.rmtree(settings.chroma_dir)

    with pytest.raises(IndexStateError) as err:
        open_reader(settings, embedder_cls())
    assert str(settings.chroma_dir) in err.value.message and "6 articles" in err.value.message
    assert "newsrag index" in err.value.fix
    with pytest.raises(IndexStateError):
        _assistant(settings, embedder_cls()).ask(QUESTION)
    rc, _, stderr = _hash_cli(monkeypatch, embedder_cls,
                              ["ask", "--data-dir", str(settings.data_dir), "--embedding-model", "hash-embedder",
                               QUESTION], capsys)
    assert_clean_cli_error(rc, stderr, str(settings.chroma_dir), "newsrag index")
    assert not settings.chroma_dir.exists(), "the read side creates nothing"
    assert manifest_rows(settings) == base_index.manifest

    embedder = embedder_cls()
    report = Indexer(settings, embedder).index([base_index.articles])
    assert report.chunks_embedded == report.chunks_total == len(base_index.snapshot[1])
    assert_converged(settings, base_index)
    assert_answers_from_the_index(settings, embedder)


def _garble(path: Path, seed: int, keep_header: int = 0) -> None:
    data = bytearray(path.read_bytes())
    rng = random.Random(seed)
    for i in range(keep_header, len(data)):
        if rng.random() < 0.3:
            data[i] = rng.randrange(256)
    path.write_bytes(bytes(data))


DAMAGE = {
    "emptied": lambda p: p.write_bytes(b""),
    "cut in half": lambda p: os.truncate(p, p.stat().st_size // 2),
    "garbled": lambda p: _garble(p, 1),
    "garbled pages": lambda p: _garble(p, 2, keep_header=100),  # a valid SQLite header, broken pages
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_chroma_database_is_named_and_rebuild_recovers(
    damage, index_copy, base_index, embedder_cls, monkeypatch, capsys
) -> None:
    settings = index_copy
    DAMAGE[damage](settings.chroma_dir / "chroma.sqlite3")

    with pytest.raises(NewsragError) as err:
        _assistant(settings, embedder_cls()).ask(QUESTION)
    assert isinstance(err.value, IndexStateError), err.value
    assert str(settings.chroma_dir) in err.value.message and "newsrag index" in err.value.fix
    rc, _, stderr = _hash_cli(monkeypatch, embedder_cls,
                              ["ask", "--data-dir", str(settings.data_dir), "--embedding-model", "hash-embedder",
                               QUESTION], capsys)
    assert_clean_cli_error(rc, stderr, str(settings.chroma_dir))
    assert manifest_rows(settings) == base_index.manifest, "the manifest is never touched by a failed read"

    # A plain run either repairs (the store opens, the collection is simply gone) or says to rebuild.
    try:
        Indexer(settings, embedder_cls()).index([base_index.articles])
    except IndexStateError as exc:
        assert "--rebuild" in exc.fix and "damaged" in exc.fix, exc
        assert manifest_rows(settings) == base_index.manifest
        rc, out, stderr = _hash_cli(monkeypatch, embedder_cls,
                                    ["index", str(base_index.articles), "--rebuild", "--data-dir",
                                     str(settings.data_dir), "--embedding-model", "hash-embedder"], capsys)
        assert rc == 0, stderr
        assert "6 added" in out
    assert_converged(settings, base_index)
    assert_answers_from_the_index(settings, embedder_cls())


def test_damaged_chroma_database_through_the_real_cli_process(index_copy, base_index) -> None:
    """A fresh `newsrag ask` process on garbled Chroma files: exit 2 and one clear line, no traceback."""
    settings = index_copy
    _garble(settings.chroma_dir / "chroma.sqlite3", 3)
    args = ["--data-dir", str(settings.data_dir), "--embedding-model", "hash-embedder"]
    done = _spawn_cli(["ask", *args, QUESTION])
    assert_clean_cli_error(done.returncode, done.stderr, str(settings.chroma_dir), "--rebuild")
    assert done.stderr.count("\n") == 1, done.stderr
    assert manifest_rows(settings) == base_index.manifest


def test_chroma_read_failures_become_index_state_errors(index_copy, embedder_cls, monkeypatch) -> None:
    """Whatever Chroma raises while searching (here its own InternalError) reaches callers as a NewsragError."""
    from chromadb.errors import InternalError

    reader = open_reader(index_copy, embedder_cls())

    def broken(*args, **kwargs):
        raise InternalError("Error loading hnsw index")

    monkeypatch.setattr(type(reader.chroma.vector_store), "query", broken)  # pydantic models: patch the class
    for method in ("query", "count", "get"):
        monkeypatch.setattr(type(reader.chroma.collection), method, broken)
    monkeypatch.setattr(type(reader.chroma.collection), "query", broken)  # the reader's ids-only search
    with pytest.raises(IndexStateError) as err:
        reader.dense_search(embedder_cls().embed_query(QUESTION), 3, None)
    assert "Error loading hnsw index" in err.value.message and "--rebuild" in err.value.fix


@pytest.fixture(scope="module")
def big_index(tmp_path_factory) -> BaseIndex:
    """Over 1000 chunks: only then does Chroma write (and read back) its HNSW segment files."""
    from bench.corpus import write_corpus
    from tests.fakes import HashEmbedder

    root = tmp_path_factory.mktemp("faults-big")
    write_corpus(root / "articles", 300, seed=1)
    settings = Settings(data_dir=root / "data", embedding_model="hash-embedder")
    Indexer(settings, HashEmbedder()).index([root / "articles"])
    assert settings.manifest_path.exists() and len(snap(settings)[1]) > 1000
    return BaseIndex(settings.data_dir, root / "articles", snap(settings), manifest_rows(settings))


SEGMENT_DAMAGE = {
    "header.bin garbled": ("header.bin", lambda p: p.write_bytes(b"garbage")),
    "header.bin emptied": ("header.bin", lambda p: p.write_bytes(b"")),
    "index_metadata.pickle garbled": ("index_metadata.pickle", lambda p: p.write_bytes(b"garbage")),
    "segment folder deleted": ("", shutil.rmtree),
}


@pytest.mark.slow
@pytest.mark.parametrize("damage", list(SEGMENT_DAMAGE))
def test_damaged_segment_files_are_named_and_rebuild_recovers(
    damage, big_index, tmp_path, embedder_cls
) -> None:
    data = tmp_path / "data"
    shutil.copytree(big_index.data_dir, data)
    settings = Settings(data_dir=data, embedding_model="hash-embedder")
    name, spoil = SEGMENT_DAMAGE[damage]
    (segment,) = [p for p in settings.chroma_dir.iterdir() if p.is_dir()]
    spoil(segment / name if name else segment)

    try:
        answer = _assistant(settings, embedder_cls()).ask(QUESTION)
    except IndexStateError as exc:
        assert str(settings.chroma_dir) in exc.message and "--rebuild" in exc.fix
    else:  # Chroma rebuilt what was missing from its own log: then the answer must be right
        assert {p.chunk.id for p in answer.passages} <= {c[0] for c in big_index.snapshot[1]}
    assert manifest_rows(settings) == big_index.manifest
    Indexer(settings, embedder_cls()).index([big_index.articles], rebuild=True)
    assert check_invariants(settings) == []
    assert snap(settings) == big_index.snapshot


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="chromadb's hnswlib segfaults on a garbled data_level0.bin (not catchable "
                   "from Python); `newsrag index --rebuild` still recovers")
def test_garbled_hnsw_vectors_do_not_crash_the_cli(big_index, tmp_path) -> None:
    data = tmp_path / "data"
    shutil.copytree(big_index.data_dir, data)
    (segment,) = [p for p in (data / "chroma").iterdir() if p.is_dir()]
    _garble(segment / "data_level0.bin", 4)
    done = _spawn_cli(["ask", "--data-dir", str(data), "--embedding-model", "hash-embedder", QUESTION])
    assert done.returncode in (0, 2), f"rc={done.returncode}: {done.stderr[-500:]}"


# ----------------------------------------------------------------------------- disk full


def _more_articles(folder: Path, n: int) -> Path:
    from bench.corpus import write_corpus

    write_corpus(folder, n, seed=11)
    return folder


def test_disk_full_in_a_real_indexing_process_leaves_the_index_intact(
    index_copy, base_index, tmp_path, embedder_cls
) -> None:
    """A child `newsrag index` whose writes fail once Chroma's file grows by 150 KB (EFBIG, as
    SQLite reports a full disk): exit 2 with the fix; the committed index still answers;
    the next run with space converges to a clean build."""
    settings = index_copy
    extra = _more_articles(tmp_path / "more", 15)
    limit = (settings.chroma_dir / "chroma.sqlite3").stat().st_size + 150_000
    args = ["index", str(base_index.articles), str(extra), "--data-dir", str(settings.data_dir),
            "--embedding-model", "hash-embedder"]
    done = _spawn_cli(args, fsize_limit=limit)
    assert_clean_cli_error(done.returncode, done.stderr, "free disk space")

    problems = check_invariants(settings)
    # what a cut-off run may leave: Chroma chunks its manifest does not list yet, nothing else
    assert all("Chroma holds" in p or "not in manifest" in p for p in problems), problems
    rows = manifest_rows(settings)
    assert {r[0] for r in base_index.manifest["articles"]} <= {r[0] for r in rows["articles"]}
    assert_answers_from_the_index(settings, embedder_cls())

    Indexer(settings, embedder_cls()).index([base_index.articles, extra])
    clean = Settings(data_dir=tmp_path / "clean", embedding_model="hash-embedder")
    Indexer(clean, embedder_cls()).index([base_index.articles, extra])
    assert check_invariants(settings) == []
    assert snap(settings) == snap(clean)


def _fail_manifest_commit(self) -> None:
    raise sqlite3.OperationalError("database or disk is full")


def _fail_chroma_write(self, *args, **kwargs) -> None:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize(
    ("where", "patch"),
    [
        ("manifest commit", (Manifest, "_bump_generation", _fail_manifest_commit)),
        ("chroma write", (ChromaIndex, "add", _fail_chroma_write)),
    ],
)
def test_disk_full_is_a_clear_error_and_the_index_stays_queryable(
    where, patch, index_copy, base_index, tmp_path, embedder_cls, monkeypatch
) -> None:
    settings = index_copy
    extra = _more_articles(tmp_path / "more", 12)
    with monkeypatch.context() as m:
        m.setattr(*patch)
        with pytest.raises(IndexStateError) as err:
            Indexer(settings, embedder_cls()).index([base_index.articles, extra])
    assert "full" in err.value.message or "No space left" in err.value.message
    assert "free disk space" in err.value.fix and "newsrag index" in err.value.fix
    rows = manifest_rows(settings)
    for table in ("articles", "article_sources", "chunks"):
        assert rows[table] == base_index.manifest[table], f"{table} changed after a failed {where}"
    # the Chroma batch written before the failed commit is not part of the index for readers
    assert_answers_from_the_index(settings, embedder_cls())
    reader = open_reader(settings, embedder_cls())
    new_text = next(extra.rglob("*.txt")).read_text()
    hits = reader.dense_search(embedder_cls().embed_query(new_text), 50, None)
    assert hits and {p.chunk.id for p in hits} <= {r[0] for r in base_index.manifest["chunks"]}

    Indexer(settings, embedder_cls()).index([base_index.articles, extra])
    clean = Settings(data_dir=tmp_path / "clean", embedding_model="hash-embedder")
    Indexer(clean, embedder_cls()).index([base_index.articles, extra])
    assert check_invariants(settings) == []
    assert snap(settings) == snap(clean)


# ----------------------------------------------------------------------------- embedding model gone


def test_embedding_model_folder_gone_is_a_config_error_and_the_index_is_untouched(
    base_index, tmp_path, embedder_cls, monkeypatch, capsys
) -> None:
    from cli.main import main
    from rag.assistant import Assistant

    model_dir = tmp_path / "models" / "my-minilm"
    model_dir.mkdir(parents=True)
    settings = Settings(data_dir=tmp_path / "data", embedding_model=str(model_dir))
    Indexer(settings, embedder_cls(name=str(model_dir))).index([base_index.articles])
    before, rows = snap(settings), manifest_rows(settings)
    shutil.rmtree(model_dir)

    for call in (lambda: Indexer.from_settings(settings).index([base_index.articles]),
                 lambda: Assistant.from_settings(settings, chat_model=None).ask(QUESTION)):
        with pytest.raises(ConfigError) as err:
            call()
        assert "NEWSRAG_EMBEDDING_MODEL" in err.value.message and str(model_dir) in err.value.message
        assert "local model folder" in err.value.fix
    argv = ["--data-dir", str(settings.data_dir), "--embedding-model", str(model_dir)]
    for command in (["index", str(base_index.articles)], ["ask", QUESTION]):
        capsys.readouterr()
        rc = main([command[0], *argv, *command[1:]])
        assert_clean_cli_error(rc, capsys.readouterr().err, "NEWSRAG_EMBEDDING_MODEL", str(model_dir))
    assert main(["status", *argv]) == 0  # what is indexed can still be shown
    assert snap(settings) == before and manifest_rows(settings) == rows
    assert check_invariants(settings) == []


# ----------------------------------------------------------------------------- child process


def _child_main(argv: list[str]) -> int:
    from newsrag.offline import configure_offline

    configure_offline()
    import index.embedder
    from cli.main import main
    from tests.fakes import HashEmbedder

    real = index.embedder.load_index_embedder
    index.embedder.load_index_embedder = (
        lambda s: HashEmbedder() if s.embedding_model == "hash-embedder" else real(s)
    )
    return main(argv)


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
