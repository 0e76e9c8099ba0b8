"""Shared fixtures for the whole suite.

The fakes themselves live in `tests/fakes.py` (each held to the contract of the real part
it stands for); `HashEmbedder` is re-exported here for the tests and helper processes that
import it from this module. Real parts (Chroma on disk, the packaged MiniLM model) come from
fixtures too, so tests that need them say so by name.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsrag.offline import configure_offline

configure_offline()

from newsrag.settings import Settings  # noqa: E402
from tests.fakes import HashEmbedder  # noqa: E402

__all__ = ["HashEmbedder", "SEEDS_DIR", "PROJECT_ROOT"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS_DIR


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A private copy of seeds/ that a test may modify."""
    dest = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, dest)
    return dest


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh on-disk data dir per test (real embedded Chroma goes there)."""
    return Settings(data_dir=tmp_path / "data")
