"""The configurations an evaluation compares, by name.

- "llamaindex-baseline": a plain llama-index VectorStoreIndex over Chroma, default
  SentenceSplitter, top-k 2, the same embedding model (retrieval metrics only): the
  "what you get out of the box" reference point (`evals/baseline.py`).
- "dense": dense-only retrieval + the offline answerer.
- "hybrid": hybrid (dense + BM25, fused) retrieval, retrieval metrics only.
- "hybrid+offline": the default product configuration.
- "llm": the default retrieval with the configured LLM answerer; only offered when the
  settings configure an LLM (`newsrag.settings.configured_answerer`).

Deliberately left out: how each configuration is run (`evals/runner.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from newsrag.errors import InputError
from newsrag.settings import Settings, configured_answerer
from newsrag.types import RetrievalMode

# "baseline" (llama-index reference), "retrieval" (no answers), "assistant"
ConfigKind = Literal["baseline", "retrieval", "assistant"]


@dataclass(frozen=True)
class EvalConfig:
    name: str
    description: str
    kind: ConfigKind
    retrieval_mode: RetrievalMode | Literal["llamaindex"]  # "llamaindex": the baseline's own retrieval
    answerer: str | None = None  # AskOptions.answerer for "assistant" configurations
    top_k: int | None = None  # retrieval depth scored; None = the settings' top_k

    @property
    def answers(self) -> bool:
        return self.kind == "assistant"

    @property
    def product_mode(self) -> RetrievalMode:
        """The product's retrieval mode that a "retrieval" or "assistant" configuration runs."""
        if self.retrieval_mode == "llamaindex":
            raise ValueError(f"expected a product retrieval mode in configuration {self.name!r}, "
                             "got the llama-index baseline's")
        return self.retrieval_mode


DEFAULT_CONFIG = "hybrid+offline"

CONFIGS: dict[str, EvalConfig] = {
    c.name: c
    for c in (
        EvalConfig("llamaindex-baseline", "llama-index VectorStoreIndex + Chroma, SentenceSplitter, top-k 2",
                   "baseline", "llamaindex", top_k=2),
        EvalConfig("dense", "dense-only retrieval + offline answerer", "assistant", "dense", answerer="offline"),
        EvalConfig("hybrid", "hybrid retrieval (dense + BM25), retrieval only", "retrieval", "hybrid", top_k=10),
        EvalConfig(DEFAULT_CONFIG, "hybrid retrieval + offline answerer (the product default)",
                   "assistant", "hybrid", answerer="offline"),
        EvalConfig("llm", "hybrid retrieval + the configured LLM answerer", "assistant", "hybrid", answerer="llm"),
    )
}


def available_configs(settings: Settings) -> list[str]:
    """Every configuration this setup can run (the "llm" one needs an LLM in the settings)."""
    has_llm = configured_answerer(settings).llm is not None
    return [name for name in CONFIGS if name != "llm" or has_llm]


def resolve_configs(names: Sequence[str] | None, settings: Settings) -> tuple[EvalConfig, ...]:
    """Names from --config -> configurations; none given = every available one."""
    if not names:
        return tuple(CONFIGS[n] for n in available_configs(settings))
    out = []
    for name in names:
        if name not in CONFIGS:
            raise InputError(f"expected a configuration among {sorted(CONFIGS)}, got '{name}'",
                             fix="pass --config with one of those names")
        if name == "llm" and configured_answerer(settings).llm is None:
            raise InputError("expected an LLM to be configured for --config llm, got none",
                             fix="set NEWSRAG_LLM_BASE_URL (and NEWSRAG_LLM_MODEL) or NEWSRAG_LLM_GGUF_PATH")
        if CONFIGS[name] not in out:
            out.append(CONFIGS[name])
    return tuple(out)
