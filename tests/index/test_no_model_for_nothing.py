"""An index run with nothing to embed decides from the manifest and never loads the model.

`Indexer.from_settings` without an embedder gets the torch one pending
(`index.embedder.pending_index_embedder`): the checks of an existing index (model name,
backend) and the plan read only the manifest, so `load_index_embedder` runs only when a file
was added or changed. Here the index is written by a hash embedder recorded under the torch
backend, so the pending torch embedder of the same name may update it; `load_index_embedder`
is replaced by a recorder that hands out that hash embedder.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from index import embedder as embedder_module
from index.invariants import check_invariants
from index.pipeline import Indexer
from newsrag.errors import ConfigError, IndexStateError
from newsrag.settings import Settings
from tests.conftest import PROJECT_ROOT
from tests.fakes import HashEmbedder
from tests.index.conftest import snapshot

HEAVY = ("torch", "sentence_transformers", "transformers", "llama_index.core")


class TorchNamedHashEmbedder(HashEmbedder):
    """Hash vectors, recorded as the torch backend's (what the pending index embedder says)."""

    backend = "torch"


@pytest.fixture
def indexed(tmp_path: Path, seeds_copy: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, Path, list[str]]:
    settings = Settings(data_dir=tmp_path / "data", embedding_model="hash-embedder")
    first = Indexer(settings, TorchNamedHashEmbedder()).index([seeds_copy])
    assert first.added > 0 and first.chunks_embedded > 0
    loads: list[str] = []

    def load(settings: Settings) -> HashEmbedder:
        loads.append(settings.embedding_model)
        return TorchNamedHashEmbedder(name=settings.embedding_model)

    monkeypatch.setattr(embedder_module, "load_index_embedder", load)
    return settings, seeds_copy, loads


def test_an_unchanged_folder_loads_no_model(indexed) -> None:
    settings, folder, loads = indexed
    report = Indexer.from_settings(settings).index([folder])
    assert loads == []
    assert report.chunks_embedded == 0 and report.unchanged > 0 and (report.added, report.updated) == (0, 0)
    assert check_invariants(settings) == []


def test_an_unchanged_folder_starts_no_ray(indexed) -> None:
    """`--workers 2` on a folder with nothing to do runs in this process: no Ray started for nothing."""
    from contextlib import nullcontext

    from cli.index_commands import index_work

    settings, folder, _ = indexed
    assert isinstance(index_work(settings, 2, None, [folder]), nullcontext)
    assert not isinstance(index_work(settings, 2, None, [folder], rebuild=True), nullcontext)
    (folder / "new.txt").write_text("A new story from Basra\nThe governor opened the bridge on Monday.\n")
    assert not isinstance(index_work(settings, 2, None, [folder]), nullcontext)  # RayWork, not entered yet


def test_a_changed_folder_loads_the_model_once(indexed) -> None:
    settings, folder, loads = indexed
    (folder / "new.txt").write_text("A new story from Basra\nThe governor opened the bridge on Monday.\n")
    report = Indexer.from_settings(settings).index([folder])
    assert loads == ["hash-embedder"]
    assert report.added == 1 and report.chunks_embedded > 0
    assert check_invariants(settings) == []


def test_another_model_is_still_refused(indexed) -> None:
    settings, folder, _ = indexed
    before = snapshot(settings)
    other = settings.model_copy(update={"embedding_model": "another-model"})
    with pytest.raises(IndexStateError, match="another-model") as raised:
        Indexer.from_settings(other).index([folder])
    assert "hash-embedder" in raised.value.message and "--rebuild" in raised.value.fix
    assert snapshot(settings) == before


def test_a_model_that_cannot_load_is_needed_only_for_work(indexed, monkeypatch: pytest.MonkeyPatch) -> None:
    """Model files gone: an unchanged folder still indexes; a changed one is refused before the
    index is touched (the model is loaded up front when `needs_indexing` sees work)."""
    settings, folder, _ = indexed

    def gone(settings: Settings) -> HashEmbedder:
        raise ConfigError("expected a loadable model, got none", fix="restore it")

    monkeypatch.setattr(embedder_module, "load_index_embedder", gone)
    assert Indexer.from_settings(settings).index([folder]).chunks_embedded == 0
    before = snapshot(settings)
    (folder / "new.txt").write_text("A new story from Basra\nThe governor opened the bridge on Monday.\n")
    with pytest.raises(ConfigError):
        Indexer.from_settings(settings).index([folder])
    assert snapshot(settings) == before
    assert check_invariants(settings) == []


def test_newsrag_index_on_an_unchanged_folder_imports_no_model_library(indexed) -> None:
    """The whole command in a fresh process: not one of the model libraries is imported."""
    settings, folder, _ = indexed
    script = textwrap.dedent(f"""
        import sys
        from cli.main import main
        code = main(["index", {str(folder)!r}, "--data-dir", {str(settings.data_dir)!r},
                     "--embedding-model", "hash-embedder"])
        print("heavy:", [m for m in {HEAVY!r} if m in sys.modules])
        sys.exit(code)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "0 added, 0 updated" in done.stdout and "0 embedded" in done.stdout
    assert "heavy: []" in done.stdout
