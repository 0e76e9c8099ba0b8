"""Indexing into a real Chroma server through settings.chroma_url (manifest stays local)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from index.index_reader import open_reader, read_status
from index.invariants import check_invariants
from index.pipeline import Indexer, needs_indexing
from newsrag.errors import BackendError, IndexStateError
from newsrag.settings import Settings

CHROMA = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "chroma"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path: Path):
    executable = shutil.which("chroma") if not CHROMA.exists() else str(CHROMA)
    if executable is None:
        pytest.skip("the `chroma` server executable is not installed")
    port = _free_port()
    log = open(tmp_path / "chroma.log", "w")  # noqa: SIM115 - the server writes to it until it is stopped
    proc = subprocess.Popen(
        [executable, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"chroma server did not start: {(tmp_path / 'chroma.log').read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_seeds_indexed_into_a_chroma_server(chroma_server, tmp_path, seeds_dir, real_embedder) -> None:
    settings = Settings(data_dir=tmp_path / "data", chroma_url=chroma_server)
    report = Indexer.from_settings(settings, embedder=real_embedder).index([seeds_dir])
    assert report.added >= 5 and report.chunks_embedded == report.chunks_total
    assert settings.manifest_path.is_file(), "the manifest stays local"
    assert not settings.chroma_dir.exists(), "no embedded Chroma when a server is configured"
    assert check_invariants(settings) == []
    assert read_status(settings).location == chroma_server
    assert not needs_indexing(settings, [seeds_dir])

    reader = open_reader(settings, real_embedder)
    passages = reader.dense_search(real_embedder.embed_query("Iran ends its western border mission"), 3, None)
    assert len(passages) == 3 and passages[0].chunk.title == "Iran Ends Mission to Safeguard Iraq Border"
    again = Indexer.from_settings(settings, embedder=real_embedder).index([seeds_dir])
    assert again.chunks_embedded == 0 and again.unchanged == report.added


def test_unreachable_server_is_a_clear_error(tmp_path, seeds_dir, hash_embedder) -> None:
    settings = Settings(data_dir=tmp_path / "data", chroma_url=f"http://127.0.0.1:{_free_port()}",
                        embedding_model="hash-embedder")
    with pytest.raises((BackendError, IndexStateError)) as err:
        Indexer(settings, hash_embedder).index([seeds_dir])
    assert "127.0.0.1" in str(err.value) and "Fix:" in str(err.value)
