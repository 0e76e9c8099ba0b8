"""Indexing on Ray (`index.ray_work.RayWork`, `newsrag index --workers / --ray-address`) equals one process.

One real Ray cluster for the module (`ray start --head --block`, 2 CPUs, stopped by its pid
at the end) and one real `chroma run` server; each test joins the cluster by its address,
as `newsrag index --ray-address` does, and writes its own Chroma collection. The single
process runs beside it into an embedded Chroma; the two indexes must agree on every id,
document, offset and source, with vectors equal within 1e-5, and pass every invariant.
Ray workers rebuild their embedder from the Settings, so the hash embedder travels as a
factory (`tests/index/ray_factories.py`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ray")

from bench.chroma_server import free_port  # noqa: E402
from bench.corpus import write_corpus  # noqa: E402
from cli.main import main  # noqa: E402
from index.chroma_store import ChromaIndex  # noqa: E402
from index.invariants import check_invariants  # noqa: E402
from index.manifest import Manifest  # noqa: E402
from index.pipeline import Indexer  # noqa: E402
from index.ray_work import RayWork  # noqa: E402
from newsrag.settings import Settings  # noqa: E402
from tests.conftest import PROJECT_ROOT, SEEDS_DIR  # noqa: E402
from tests.fakes import HashEmbedder  # noqa: E402
from tests.index.conftest import IndexSnapshot, running_chroma, snapshot  # noqa: E402
from tests.index.ray_factories import BlockFirstEmbed, hash_embedder  # noqa: E402

RAY = Path(sys.executable).parent / "ray"


def _wait_for(what: str, ready: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {seconds} s")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Ray head with 2 CPUs; its workers import this project (PYTHONPATH) and need no token."""
    folder = tmp_path_factory.mktemp("ray")
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), RAY_AUTH_MODE="disabled")
    log_path = folder / "ray.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(RAY), "start", "--head", "--block", "--num-cpus", "2", "--port", str(port),
             "--include-dashboard=false", "--disable-usage-stats", "--object-store-memory", str(200 * 1024 * 1024)],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        _wait_for("the Ray head", lambda: "Ray runtime started" in log_path.read_text() or proc.poll() is not None)
        assert proc.poll() is None, log_path.read_text()[-2000:]
        yield f"127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)  # `ray start --block` stops what it started, and only that
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_chroma(tmp_path_factory.mktemp("chroma")) as url:
        yield url


def _vectors(settings: Settings) -> dict[str, np.ndarray]:
    got = ChromaIndex.open_for_read(settings).collection.get(include=["embeddings"])
    return {cid: np.asarray(v, dtype=np.float32) for cid, v in zip(got["ids"], got["embeddings"], strict=True)}


def _sentence_vectors(snap: IndexSnapshot) -> dict[tuple[str, int], np.ndarray]:
    return {(row[0], row[1]): np.frombuffer(row[4], dtype=np.float32) for row in snap.sentences}


def assert_same_index(ray_settings: Settings, one_settings: Settings) -> None:
    """Same ids, documents, offsets, sources, fingerprints; vectors within 1e-5; every invariant."""
    assert check_invariants(ray_settings) == []
    assert check_invariants(one_settings) == []
    ray_snap, one_snap = snapshot(ray_settings), snapshot(one_settings)
    assert ray_snap.chroma == one_snap.chroma
    assert (ray_snap.chunks, ray_snap.articles, ray_snap.sources) == (one_snap.chunks, one_snap.articles,
                                                                       one_snap.sources)
    assert ray_snap.lexical == one_snap.lexical
    ray_vectors, one_vectors = _vectors(ray_settings), _vectors(one_settings)
    assert ray_vectors.keys() == one_vectors.keys()
    assert max(float(np.abs(ray_vectors[c] - one_vectors[c]).max()) for c in one_vectors) <= 1e-5
    ray_sentences, one_sentences = _sentence_vectors(ray_snap), _sentence_vectors(one_snap)
    assert ray_sentences.keys() == one_sentences.keys()
    assert max(float(np.abs(ray_sentences[k] - one_sentences[k]).max()) for k in one_sentences) <= 1e-5


def _hash_settings(data_dir: Path, chroma_url: str | None = None, collection: str = "newsrag") -> Settings:
    return Settings(data_dir=data_dir, embedding_model="hash-embedder", chroma_url=chroma_url, collection=collection)


def _index_on_ray(settings: Settings, address: str, paths: list[Path], factory: object = hash_embedder):
    with RayWork(settings, workers=2, address=address, embedder_factory=factory) as work:  # type: ignore[arg-type]
        return Indexer.from_settings(settings, work=work).index(paths)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    write_corpus(folder, 40, seed=11)
    return folder


def test_ray_index_equals_one_process_and_stays_in_step(tmp_path, corpus, ray_cluster, chroma_url) -> None:
    """First run, an unchanged run and an edited folder: the Ray index is the single-process one each time."""
    ray_settings = _hash_settings(tmp_path / "ray", chroma_url, collection="same")
    one_settings = _hash_settings(tmp_path / "one")

    report = _index_on_ray(ray_settings, ray_cluster, [corpus])
    single = Indexer(one_settings, HashEmbedder()).index([corpus])
    assert report.ran_on == f"ray at {ray_cluster}: 2 workers" and single.ran_on == "1 process"
    assert (report.added, report.chunks_embedded) == (single.added, single.chunks_embedded) == (40, single.chunks_total)
    assert report.formats == single.formats
    assert_same_index(ray_settings, one_settings)

    again = _index_on_ray(ray_settings, ray_cluster, [corpus])
    assert (again.chunks_embedded, again.unchanged) == (0, 40)

    files = sorted(corpus.rglob("*.txt"))
    files[0].write_text(files[0].read_text() + "\nA late paragraph added by the desk on Friday.\n")
    files[1].unlink()
    edited = _index_on_ray(ray_settings, ray_cluster, [corpus])
    single_edited = Indexer(one_settings, HashEmbedder()).index([corpus])
    assert (edited.updated, edited.removed) == (single_edited.updated, single_edited.removed) == (1, 1)
    assert_same_index(ray_settings, one_settings)


def test_a_worker_killed_mid_run_is_retried_and_nothing_is_lost_or_written_twice(
        tmp_path, corpus, ray_cluster, chroma_url, monkeypatch) -> None:
    """The first embedding call blocks in its worker; the test SIGKILLs that worker (no sleeps: it
    waits on the pid file), Ray runs the task again elsewhere, and the run completes."""
    gate = tmp_path / "gate"
    gate.mkdir()
    added: Counter[str] = Counter()
    committed: Counter[str] = Counter()
    real_add, real_write = ChromaIndex.add, Manifest.write_articles

    def counting_add(self, chunks, vectors, fingerprints):
        added.update(c.id for c in chunks)
        return real_add(self, chunks, vectors, fingerprints)

    def counting_write(self, items):
        committed.update(item.article.id for item in items)
        return real_write(self, items)

    monkeypatch.setattr(ChromaIndex, "add", counting_add)
    monkeypatch.setattr(Manifest, "write_articles", counting_write)
    killed: list[int] = []
    failures: list[BaseException] = []

    def kill_the_blocked_worker() -> None:
        try:
            _wait_for("the blocked worker's pid", (gate / "pid").exists, seconds=90)
            pid = int((gate / "pid").read_text())
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        except BaseException as exc:  # reported by the test below, not lost in the thread
            failures.append(exc)
        finally:
            (gate / "release").touch()  # whatever happened, nothing waits forever

    killer = threading.Thread(target=kill_the_blocked_worker)
    killer.start()
    ray_settings = _hash_settings(tmp_path / "ray", chroma_url, collection="killed")
    try:
        report = _index_on_ray(ray_settings, ray_cluster, [corpus], BlockFirstEmbed(str(gate)))
    finally:
        killer.join()
    assert failures == [] and len(killed) == 1
    monkeypatch.undo()
    one_settings = _hash_settings(tmp_path / "one")
    single = Indexer(one_settings, HashEmbedder()).index([corpus])
    assert report.chunks_embedded == single.chunks_embedded
    assert set(added.values()) == {1} and len(added) == single.chunks_total, "every chunk written once"
    assert set(committed.values()) == {1} and len(committed) == single.added, "every article committed once"
    assert_same_index(ray_settings, one_settings)


def test_cli_on_the_cluster_with_the_packaged_model_equals_one_process(
        tmp_path, ray_cluster, chroma_url, real_embedder, capsys) -> None:
    """`newsrag index --workers 2 --ray-address ... --chroma-url ...`: the real MiniLM in the workers."""
    data = tmp_path / "ray"
    code = main(["index", str(SEEDS_DIR), "--workers", "2", "--ray-address", ray_cluster,
                 "--chroma-url", chroma_url, "--data-dir", str(data)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"on ray at {ray_cluster}: 2 workers" in out and "6 added" in out
    one_settings = Settings(data_dir=tmp_path / "one")
    Indexer.from_settings(one_settings, embedder=real_embedder).index([SEEDS_DIR])
    assert_same_index(Settings(data_dir=data, chroma_url=chroma_url), one_settings)


# ------------------------------------------------------------------ the flags' errors, and no Ray without them


def test_workers_below_one_is_refused(tmp_path, capsys) -> None:
    code = main(["index", str(SEEDS_DIR), "--workers", "0", "--data-dir", str(tmp_path / "data")])
    err = capsys.readouterr().err
    assert code == 2 and "expected --workers as a whole number of at least 1, got 0" in err and "--workers 2" in err
    assert not (tmp_path / "data").exists()


def test_ray_not_installed_says_how_to_install_it(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    code = main(["index", str(SEEDS_DIR), "--workers", "2", "--data-dir", str(tmp_path / "data")])
    err = capsys.readouterr().err
    assert code == 2 and "expected the `ray` package" in err and "pip install -e '.[distributed]'" in err


def test_an_unreachable_ray_address_fails_in_seconds(tmp_path, capsys) -> None:
    address = f"127.0.0.1:{free_port()}"
    started = time.monotonic()
    code = main(["index", str(SEEDS_DIR), "--ray-address", address, "--data-dir", str(tmp_path / "data")])
    err = capsys.readouterr().err
    assert code == 2 and f"expected a Ray cluster at {address}, got no answer" in err and "ray start --head" in err
    assert time.monotonic() - started < 30


def test_one_worker_runs_in_this_process_without_importing_ray(tmp_path) -> None:
    script = textwrap.dedent(f"""
        import sys
        import index.embedder
        from cli.main import main
        from tests.fakes import HashEmbedder
        index.embedder.load_index_embedder = lambda settings: HashEmbedder(name=settings.embedding_model)
        code = main(["index", {str(SEEDS_DIR)!r}, "--workers", "1", "--data-dir", {str(tmp_path / "data")!r},
                     "--embedding-model", "hash-embedder"])
        print("ray imported:", "ray" in sys.modules)
        sys.exit(code)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "on 1 process" in done.stdout and "ray imported: False" in done.stdout
