"""The one settings object, read from `NEWSRAG_*` environment variables and CLI flags.

Built once at the edge (CLI `main`, UI launcher, test fixtures) and passed down
explicitly; no module reads the environment or a global for configuration.

Deliberately left out: config files. Environment and flags cover every deployment we
support; a `.env` file is read by pydantic-settings only if the user points at one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from newsrag.errors import ConfigError
from newsrag.types import FileLimits, RetrievalMode

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    """A gitignored folder in the project when run from a checkout, else in the cwd."""
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / "data"
    return Path.cwd() / "newsrag-data"


def default_model_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/newsrag` (`~/.cache/newsrag` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsrag"


AnswererName = Literal["offline", "openai", "llamacpp"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSRAG_", extra="ignore", frozen=True)

    # --- where the index lives
    data_dir: Path = Field(default_factory=default_data_dir)
    chroma_url: str | None = None  # e.g. http://127.0.0.1:8000 ; None = embedded on-disk Chroma
    collection: str = "newsrag"

    # --- ingestion
    embedding_model: str = "all-MiniLM-L6-v2"  # the packaged copy is used for this name
    embed_batch_size: int = Field(default=64, ge=1, le=4096)
    chunk_tokens: int = Field(default=192, ge=32, le=2048)
    chunk_overlap_tokens: int = Field(default=32, ge=0, le=1024)
    max_file_mb: float = Field(default=20.0, gt=0)
    # A web archive (.warc, .warc.gz) holds many pages: this bounds the archive, and
    # max_file_mb bounds each page inside it. The archive is streamed, never read whole.
    max_archive_mb: float = Field(default=4096.0, gt=0)
    # How sentence vectors are made at index time: "late" pools them from the chunk's own
    # forward pass, "separate" encodes each sentence alone (index/sentences.py; measured
    # by `python -m evals.fit --compare-sentence-vectors`).
    sentence_vectors: Literal["late", "separate"] = "late"
    # Which implementation embeds questions: "auto" runs the model's ONNX export on
    # onnxruntime (index/onnx_embedder.py: no torch import, a start in under a second),
    # making the export first if this machine has none, and falls back to torch if it
    # cannot be made; "onnx" insists on it, "torch" always uses sentence-transformers.
    # Indexing always runs on torch (late-chunked sentence vectors need its token vectors).
    query_embedder: Literal["auto", "onnx", "torch"] = "auto"
    # Where the ONNX exports of embedding models are kept: once per model and machine, shared
    # by every index (derived from the model, not from the articles).
    model_cache_dir: Path = Field(default_factory=default_model_cache_dir)
    # Threads for one question's embedding and reading (onnxruntime, idle threads sleeping:
    # newsrag/onnx_session.py). Two take the reader to 0.64 of one thread's time idle and
    # 0.75 beside a CPU-bound process (`python -m bench.query_runtime_bench`).
    query_threads: int = Field(default=2, ge=1, le=256)

    # --- retrieval
    top_k: int = Field(default=6, ge=1, le=50)
    candidate_k: int = Field(default=30, ge=1, le=500)
    rrf_k: int = Field(default=60, ge=1)
    retrieval_mode: RetrievalMode = "hybrid"  # dense + BM25 fused, or one side alone
    reranker_model: str | None = None  # any sentence-transformers CrossEncoder name or path

    # --- answering
    answerer: AnswererName = "offline"
    # None: the threshold fitted with the scorer (rag/models/sentence_scorer.json, `make fit`).
    refusal_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    scorer_path: Path | None = None  # a sentence scorer fitted on your own questions (`python -m evals.fit --out`)
    # The trained sentence reader that reads the question with the best candidate sentences
    # (rag/answering/sentence_reader.py): "packaged" (rag/models/sentence_reader/), "off" (the feature
    # scorer alone decides, as before the reader), or a folder laid out like the packaged one
    # (`make train-reader`).
    sentence_reader: str = "packaged"
    strict: bool = False  # drop unsupported sentences instead of marking them
    nli_model: str | None = None  # optional CrossEncoder NLI model name or path
    max_question_chars: int = Field(default=2000, ge=10)

    # --- optional LLM
    llm_base_url: str | None = None  # OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1
    llm_model: str | None = None
    llm_api_key: str = "not-needed"
    llm_gguf_path: Path | None = None  # in-process llama.cpp model
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_max_tokens: int = Field(default=384, ge=16)
    llm_temperature: float = Field(default=0.0, ge=0.0, le=2.0)

    # --- UI server
    host: str = "127.0.0.1"
    port: int = Field(default=7860, ge=0, le=65535)
    auth: str | None = None  # "user:pass" for basic auth
    # The Bearer key the OpenAI-compatible API and MCP over HTTP require (service/api_key.py);
    # unset, they require "user:pass" when `auth` is set, and nothing otherwise.
    api_key: str | None = None

    @field_validator("auth")
    @classmethod
    def _auth_has_colon(cls, value: str | None) -> str | None:
        if value is not None and ":" not in value:
            raise ValueError("expected 'user:password', got a value without ':'")
        return value

    @field_validator("chunk_overlap_tokens")
    @classmethod
    def _overlap_below_size(cls, value: int, info: ValidationInfo) -> int:
        # chunk_tokens is absent when it failed its own validation: compare with its default.
        size = info.data.get("chunk_tokens", cls.model_fields["chunk_tokens"].default)
        if value >= size:
            raise ValueError(f"expected chunk_overlap_tokens < chunk_tokens ({size}), got {value}")
        return value

    @property
    def max_file_bytes(self) -> int:
        """NEWSRAG_MAX_FILE_MB in bytes, counted in MiB as Gradio counts upload sizes."""
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def file_limits(self) -> FileLimits:
        """The size limits every file reader applies (`index/article_files.py`, uploads)."""
        return FileLimits(max_file_bytes=self.max_file_bytes, max_archive_bytes=int(self.max_archive_mb * 1024 * 1024))

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def manifest_path(self) -> Path:
        return self.data_dir / "manifest.sqlite3"

    @property
    def index_location(self) -> str:
        return self.chroma_url or str(self.chroma_dir)


def load_settings(**overrides: object) -> Settings:
    """Build Settings from the environment plus explicit overrides (None = not given).

    Raises ConfigError with the offending setting named, instead of pydantic's traceback.
    """
    # Any is what Settings.__init__ takes: pydantic validates each value against its field.
    given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except Exception as exc:  # pydantic.ValidationError, but keep pydantic out of callers
        errors = getattr(exc, "errors", None)
        if callable(errors):
            parts = []
            for err in errors():
                loc = ".".join(str(p) for p in err.get("loc", ()))
                parts.append(f"NEWSRAG_{loc.upper()}: {err.get('msg')}")
            detail = "; ".join(parts)
        else:
            detail = str(exc)
        raise ConfigError(f"invalid settings: {detail}", fix="correct the variable or flag named") from exc


# --- which answerer these settings configure: decided here once, for rag/llm/chat_models.py (which chat
# model to build), rag/assistant.py (what answers when a question does not say), ui/options.py
# (what the settings panel offers) and evals/configs.py (whether the "llm" configuration runs).

LLMBackend = Literal["openai", "llamacpp"]


@dataclass(frozen=True)
class AnswererChoice:
    """The LLM these settings configure (None: offline only) and what answers by default."""

    llm: LLMBackend | None
    default: Literal["offline", "llm"]


def configured_answerer(settings: Settings) -> AnswererChoice:
    """The one decision of whether an LLM is configured, which one, and whether it answers by default.

    An explicit NEWSRAG_ANSWERER=openai|llamacpp names the LLM and makes it the default. With
    NEWSRAG_ANSWERER=offline (the default), an endpoint (NEWSRAG_LLM_BASE_URL) still configures
    "openai" and a model file (NEWSRAG_LLM_GGUF_PATH) "llamacpp": offered per question (the
    UI's answerer choice, `AskOptions(answerer="llm")`, the eval's "llm" configuration) while
    answers stay offline unless asked.
    """
    if settings.answerer != "offline":
        return AnswererChoice(llm=settings.answerer, default="llm")
    if settings.llm_base_url:
        return AnswererChoice(llm="openai", default="offline")
    if settings.llm_gguf_path:
        return AnswererChoice(llm="llamacpp", default="offline")
    return AnswererChoice(llm=None, default="offline")
