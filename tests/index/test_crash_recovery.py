"""kill -9 an indexer at random points; the next run must equal an uninterrupted run.

The child is this very file run as a script (see `__main__` below): it indexes a
generated corpus with the fast HashEmbedder and prints one line per progress event.
The parent SIGKILLs it after a random number of events plus a random delay, so kills
land between and inside batches (after the Chroma write, before the manifest commit,
during removals...). Then an ordinary run in the parent must leave an index that
passes every invariant and is identical (ids, fingerprints, texts, offsets, sources)
to a clean run over the same files.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _child_settings(data_dir: Path):
    from newsrag.settings import Settings

    # embed_batch_size=2 -> 32-chunk write batches: many commit points in a small corpus.
    return Settings(data_dir=data_dir, embedding_model="hash-embedder", embed_batch_size=2)


def _spawn(data_dir: Path, corpus: Path, crash_at: str = "") -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), NEWSRAG_TEST_CRASH_AT=crash_at)
    return subprocess.Popen(
        [sys.executable, __file__, str(data_dir), str(corpus)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )


def _kill_after(proc: subprocess.Popen, events: int, delay_s: float) -> bool:
    """SIGKILL after `events` progress lines + delay; True if it died before finishing."""
    seen = 0
    for line in proc.stdout:
        if line.startswith("done"):
            proc.wait()
            return False
        if line.startswith(("embed", "remove", "reconcile", "bm25")):  # the writing stages
            seen += 1
            if seen >= events:
                time.sleep(delay_s)
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                return proc.returncode == -signal.SIGKILL
    proc.wait()
    raise AssertionError(f"child failed: rc={proc.returncode} {proc.stderr.read()[-2000:]}")


def _mutate(corpus: Path, rng: random.Random) -> None:
    """Edit three files, delete three, add three (a later run with changes and removals)."""
    from bench.corpus import generate_stories

    files = sorted(corpus.rglob("*.txt"))
    for path in rng.sample(files, 6)[:3]:
        path.write_text(path.read_text() + "\nA late paragraph says the talks were postponed again.\n")
    for path in [f for f in files if f.exists()][-3:]:
        path.unlink()
    for i, story in enumerate(generate_stories(3, seed=99)):
        (corpus / f"added_{i}.txt").write_text(story.file_text())


def _crash_then_converge(tmp_path: Path, corpus: Path, rng: random.Random, kills: int,
                         embedder_cls, take_snapshot, mutate: bool) -> int:
    from index.invariants import check_invariants
    from index.pipeline import Indexer

    landed = 0
    damaged: list[bool] = []
    for attempt in range(kills):
        data = tmp_path / f"crashed-{attempt}"
        if mutate:  # a finished index of the old corpus, then crash while applying changes
            base = tmp_path / f"base-{attempt}"
            shutil.copytree(corpus, base)
            Indexer(_child_settings(data), embedder_cls()).index([base])
            _mutate(base, rng)
            target = base
        else:
            target = corpus
        events = rng.randint(1, 8)
        landed += _kill_after(_spawn(data, target), events, rng.uniform(0.0, 0.08))
        crashed = _child_settings(data)
        if crashed.manifest_path.exists() and crashed.chroma_dir.exists():
            try:
                damaged.append(bool(check_invariants(crashed)))  # a kill between Chroma and manifest
            except Exception:  # noqa: BLE001 - e.g. killed before the collection existed
                damaged.append(True)
        Indexer(crashed, embedder_cls()).index([target])
        assert check_invariants(crashed) == []
        clean = _child_settings(tmp_path / f"clean-{attempt}")
        Indexer(clean, embedder_cls()).index([target])
        assert take_snapshot(crashed) == take_snapshot(clean)
    print(f"kills landed mid-run: {landed}/{kills}; left Chroma and manifest out of step: {sum(damaged)}")
    return landed


@pytest.fixture
def crash_corpus(tmp_path: Path) -> Path:
    from bench.corpus import write_corpus

    folder = tmp_path / "corpus"
    write_corpus(folder, 60, seed=3)
    return folder


def test_kill_during_first_run_converges(tmp_path, crash_corpus, embedder_cls, take_snapshot) -> None:
    landed = _crash_then_converge(tmp_path, crash_corpus, random.Random(1), 2, embedder_cls, take_snapshot, False)
    assert landed >= 1, "at least one kill must land mid-run for this test to mean anything"


def test_kill_during_an_incremental_run_converges(tmp_path, crash_corpus, embedder_cls, take_snapshot) -> None:
    landed = _crash_then_converge(tmp_path, crash_corpus, random.Random(2), 1, embedder_cls, take_snapshot, True)
    assert landed == 1


@pytest.mark.parametrize("crash_at", ["commit:2", "remove"])
def test_kill_in_the_worst_windows_converges(tmp_path, crash_corpus, embedder_cls, take_snapshot, crash_at) -> None:
    """Deterministic kills where the stores disagree: Chroma written but the manifest batch
    not committed ("commit:2"), or articles deleted from the manifest but not yet from Chroma."""
    from index.invariants import check_invariants
    from index.pipeline import Indexer

    data = tmp_path / "crashed"
    target = crash_corpus
    if crash_at == "remove":
        Indexer(_child_settings(data), embedder_cls()).index([target])
        _mutate(target, random.Random(5))
    proc = _spawn(data, target, crash_at)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()[-2000:]
    crashed = _child_settings(data)
    assert check_invariants(crashed), "the kill must leave Chroma and the manifest out of step"
    Indexer(crashed, embedder_cls()).index([target])
    assert check_invariants(crashed) == []
    clean = _child_settings(tmp_path / "clean")
    Indexer(clean, embedder_cls()).index([target])
    assert take_snapshot(crashed) == take_snapshot(clean)


def test_kill_before_the_keyword_index_is_named_keeps_answering_and_converges(
        tmp_path, crash_corpus, embedder_cls, take_snapshot) -> None:
    """Killed between storing the BM25 copy and naming it: the manifest names none, so the read
    side builds one in memory (correct, slower); the next run names a stored copy and clears strays."""
    from index.index_reader import open_reader
    from index.invariants import check_invariants
    from index.pipeline import Indexer
    from rag.retrieval.hybrid_retriever import HybridRetriever

    data = tmp_path / "crashed"
    proc = _spawn(data, crash_corpus, "bm25")
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()[-2000:]
    crashed = _child_settings(data)
    embedder = embedder_cls()
    reader = open_reader(crashed, embedder)
    try:
        assert reader.stored_lexical() is None
        retriever = HybridRetriever.from_settings(crashed, reader, embedder)
        assert retriever.retrieve("talks postponed", mode="bm25").passages
        assert retriever.lexical.builds == 1
    finally:
        reader.manifest.close()
    Indexer(crashed, embedder_cls()).index([crash_corpus])
    assert check_invariants(crashed) == []
    reader = open_reader(crashed, embedder)
    try:
        stored = reader.stored_lexical()
        assert stored is not None and [p.name for p in stored.parent.iterdir()] == [stored.name]
        retriever = HybridRetriever.from_settings(crashed, reader, embedder)
        assert retriever.retrieve("talks postponed", mode="bm25").passages
        assert retriever.lexical.builds == 0 and retriever.lexical_index().loaded
    finally:
        reader.manifest.close()
    clean = _child_settings(tmp_path / "clean")
    Indexer(clean, embedder_cls()).index([crash_corpus])
    assert take_snapshot(crashed) == take_snapshot(clean)


@pytest.mark.slow
def test_ten_random_kills_converge(tmp_path, crash_corpus, embedder_cls, take_snapshot) -> None:
    """kill -9 at 10 seeded random points (6 first runs, 4 incremental runs); after each, one
    ordinary run must pass every invariant and equal an uninterrupted run chunk for chunk."""
    rng = random.Random(12345)
    landed = _crash_then_converge(tmp_path, crash_corpus, rng, 6, embedder_cls, take_snapshot, False)
    landed += _crash_then_converge(tmp_path / "m", crash_corpus, rng, 4, embedder_cls, take_snapshot, True)
    assert landed >= 7, f"only {landed}/10 kills landed mid-run"


def _child_main(data_dir: str, corpus: str) -> None:
    from newsrag.offline import configure_offline

    configure_offline()
    from index.manifest import Manifest
    from index.pipeline import Indexer
    from tests.fakes import HashEmbedder

    crash_at = os.environ.get("NEWSRAG_TEST_CRASH_AT", "")
    if crash_at.startswith("commit:"):  # die after the N-th batch reached Chroma, before its commit
        calls = {"n": 0}
        original_write = Manifest.write_articles

        def write_then_maybe_die(self, items):
            calls["n"] += 1
            if calls["n"] == int(crash_at.split(":")[1]):
                os.kill(os.getpid(), signal.SIGKILL)
            return original_write(self, items)

        Manifest.write_articles = write_then_maybe_die
    elif crash_at == "bm25":  # die after the keyword index is stored, before the manifest names it
        import index.pipeline

        original_store = index.pipeline.write_lexical

        def store_then_die(data_dir, chunks):
            original_store(data_dir, chunks)
            os.kill(os.getpid(), signal.SIGKILL)

        index.pipeline.write_lexical = store_then_die
    elif crash_at == "remove":  # die after the manifest dropped articles, before Chroma did
        original_delete = Manifest.delete_articles

        def delete_then_die(self, ids):
            original_delete(self, ids)
            os.kill(os.getpid(), signal.SIGKILL)

        Manifest.delete_articles = delete_then_die

    def report(event) -> None:
        print(f"{event.stage} {event.done} {event.total}", flush=True)

    Indexer(_child_settings(Path(data_dir)), HashEmbedder()).index([Path(corpus)], progress=report)


if __name__ == "__main__":
    _child_main(sys.argv[1], sys.argv[2])
