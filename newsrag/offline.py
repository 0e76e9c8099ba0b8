"""Makes every third-party library behave offline and quietly, before it is imported.

Called once at each entry point (CLI, UI, tests). It sets environment variables only
where the user has not set them, so an explicit choice always wins:
- no model hub look-ups (HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE),
- tiktoken reads the BPE files shipped inside llama-index-core instead of downloading,
- Chroma telemetry and Gradio analytics are off.

Deliberately left out: any network check; we never probe the network.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

_DEFAULTS = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",  # chromadb
    "CHROMA_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "TQDM_DISABLE": "1",  # sentence-transformers bars would interleave with ours
}


def tiktoken_cache_dir() -> Path | None:
    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "_static" / "tiktoken_cache"
    return path if path.is_dir() else None


def configure_offline() -> None:
    for key, value in _DEFAULTS.items():
        os.environ.setdefault(key, value)
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        cache = tiktoken_cache_dir()
        if cache is not None:
            os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
