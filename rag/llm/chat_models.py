"""Chat-model adapters: an OpenAI-compatible server or an in-process llama.cpp GGUF.

`build_chat_model(settings)` builds the one `newsrag.settings.configured_answerer` names and
returns an object that implements `newsrag.protocols.ChatModel` (complete / stream with a
system prompt), or None when no LLM is configured. llama-index's LLM classes stay inside this module:
`OpenAILike` (llama_index.llms.openai_like) for servers such as llama.cpp's
`python -m llama_cpp.server`, vLLM or Ollama, and `LlamaCPP` (llama_index.llms.llama_cpp,
the optional `.[llm]` extra) for a local GGUF file.

Every failure — connection refused, timeout, HTTP error, a stream cut mid-way, empty
output — becomes a `BackendError` that names the URL or file and a fix, so the
assistant can fall back to the offline answerer and say why.

Deliberately left out: llama-index `Settings` globals, tool calling, async clients.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newsrag.errors import BackendError, ConfigError
from newsrag.protocols import ChatModel
from newsrag.settings import Settings, configured_answerer

_MAX_RETRIES = 1  # one retry smooths a blip; more only delays the offline fallback


def _messages(system: str, prompt: str) -> list[Any]:
    from llama_index.core.llms import ChatMessage, MessageRole

    return [ChatMessage(role=MessageRole.SYSTEM, content=system), ChatMessage(role=MessageRole.USER, content=prompt)]


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class OpenAILikeChatModel:
    """A ChatModel over an OpenAI-compatible HTTP endpoint (llama-index OpenAILike)."""

    def __init__(self, base_url: str, model: str, *, api_key: str = "not-needed", timeout_s: float = 60.0,
                 max_tokens: int = 384, temperature: float = 0.0, context_window: int = 4096) -> None:
        from llama_index.llms.openai_like import OpenAILike

        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout_s = timeout_s
        self.name = f"openai-like:{model}"
        self._llm = OpenAILike(
            model=model,
            api_base=self.base_url,
            api_key=api_key,
            is_chat_model=True,
            is_function_calling_model=False,
            context_window=context_window,
            timeout=timeout_s,  # httpx: connect and per-read timeout, so a stalled stream fails too
            max_retries=_MAX_RETRIES,
            temperature=temperature,
            max_tokens=max_tokens,
            reuse_client=True,
        )

    def _error(self, exc: BaseException, during: str) -> BackendError:
        detail = _describe(exc)
        low = detail.lower()
        if "timeout" in low or "timed out" in low:
            fix = (f"the server did not answer within {self.timeout_s:g}s; "
                   "raise NEWSRAG_LLM_TIMEOUT_S or use a smaller model")
        elif "connect" in low or "refused" in low:
            fix = ("start the server (e.g. `python -m llama_cpp.server --model FILE.gguf`) "
                   "or correct NEWSRAG_LLM_BASE_URL")
        elif "404" in low or "not found" in low:
            fix = "check NEWSRAG_LLM_MODEL and that NEWSRAG_LLM_BASE_URL ends in /v1"
        else:
            fix = "check the LLM server's log; unset NEWSRAG_LLM_BASE_URL to answer offline"
        return BackendError(f"LLM server at {self.base_url} failed {during}: expected a completion, got {detail}",
                            fix=fix)

    def complete(self, system: str, prompt: str) -> str:
        try:
            response = self._llm.chat(_messages(system, prompt))
        except BackendError:
            raise
        except Exception as exc:  # openai/httpx errors of many kinds: all mean "no answer"
            raise self._error(exc, "to complete") from exc
        text = (response.message.content or "").strip()
        if not text:
            raise BackendError(f"LLM server at {self.base_url} returned an empty completion for model {self.model!r}",
                               fix="check NEWSRAG_LLM_MODEL and the server's log")
        return text

    def stream(self, system: str, prompt: str) -> Iterator[str]:
        # Overall deadline as well as httpx's per-read timeout: a server that trickles
        # tokens forever must not hang the chat.
        deadline = time.monotonic() + self.timeout_s
        produced = False
        try:
            for chunk in self._llm.stream_chat(_messages(system, prompt)):
                delta = chunk.delta or ""
                if delta:
                    produced = True
                    yield delta
                if time.monotonic() > deadline:
                    raise BackendError(
                        f"LLM server at {self.base_url} kept streaming past {self.timeout_s:g}s",
                        fix="raise NEWSRAG_LLM_TIMEOUT_S or lower NEWSRAG_LLM_MAX_TOKENS",
                    )
        except BackendError:
            raise
        except GeneratorExit:
            raise
        except Exception as exc:
            raise self._error(exc, "while streaming" if produced else "to start streaming") from exc
        if not produced:
            raise BackendError(f"LLM server at {self.base_url} streamed an empty completion for model {self.model!r}",
                               fix="check NEWSRAG_LLM_MODEL and the server's log")


class LlamaCppChatModel:
    """A ChatModel over an in-process GGUF model (llama-index LlamaCPP, the `.[llm]` extra)."""

    def __init__(self, gguf_path: Path, *, max_tokens: int = 384, temperature: float = 0.0,
                 context_window: int = 4096, timeout_s: float = 60.0) -> None:
        try:
            from llama_index.llms.llama_cpp import LlamaCPP
        except ImportError as exc:
            raise ConfigError(
                f"NEWSRAG_LLM_GGUF_PATH is set but llama.cpp support is not installed ({_describe(exc)})",
                fix="pip install -e '.[llm]'",
            ) from exc
        path = Path(gguf_path).expanduser()
        if not path.is_file():
            raise ConfigError(f"expected a GGUF model file at NEWSRAG_LLM_GGUF_PATH, got {str(path)!r} (no such file)",
                              fix="point NEWSRAG_LLM_GGUF_PATH at an existing .gguf file")
        self.path = path
        self.timeout_s = timeout_s
        self.name = f"llama-cpp:{path.name}"
        try:
            self._llm = LlamaCPP(
                model_path=str(path),
                temperature=temperature,
                max_new_tokens=max_tokens,
                context_window=context_window,
                model_kwargs={"verbose": False},
                verbose=False,
            )
        except Exception as exc:
            raise ConfigError(f"could not load the GGUF model {str(path)!r}: {_describe(exc)}",
                              fix="check that the file is a complete llama.cpp GGUF model") from exc
        self._formatter = self._chat_formatter()

    def _chat_formatter(self) -> Any:
        """The GGUF's own chat template, so any instruct model gets its native format."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        model = self._llm._model  # the llama_cpp.Llama that LlamaCPP loaded (no public accessor)
        template = (model.metadata or {}).get("tokenizer.chat_template")
        if not template:
            return None  # LlamaCPP's default (Llama-2) prompt format is used instead

        def token_text(token_id: int) -> str:
            return model.detokenize([token_id], special=True).decode("utf-8", errors="ignore") if token_id >= 0 else ""

        return Jinja2ChatFormatter(template=template, eos_token=token_text(model.token_eos()),
                                   bos_token=token_text(model.token_bos()))

    def _prompt(self, system: str, prompt: str) -> str:
        if self._formatter is None:
            to_prompt = self._llm.messages_to_prompt
            assert to_prompt is not None  # LlamaCPP sets its default (Llama-2) format when given none
            return str(to_prompt(_messages(system, prompt)))
        messages = [{"role": "system", "content": system}, {"role": "user", "content": prompt}]
        return str(self._formatter(messages=messages).prompt)

    def _error(self, exc: BaseException) -> BackendError:
        return BackendError(f"llama.cpp model {self.path.name} failed: {_describe(exc)}",
                            fix="check the model file and NEWSRAG_LLM_MAX_TOKENS; "
                                "unset NEWSRAG_LLM_GGUF_PATH to answer offline")

    def complete(self, system: str, prompt: str) -> str:
        return "".join(self.stream(system, prompt)).strip()

    def stream(self, system: str, prompt: str) -> Iterator[str]:
        deadline = time.monotonic() + self.timeout_s
        produced = False
        try:
            for chunk in self._llm.stream_complete(self._prompt(system, prompt), formatted=True):
                if chunk.delta:
                    produced = True
                    yield chunk.delta
                if time.monotonic() > deadline:
                    raise BackendError(f"llama.cpp model {self.path.name} ran past {self.timeout_s:g}s",
                                       fix="raise NEWSRAG_LLM_TIMEOUT_S or lower NEWSRAG_LLM_MAX_TOKENS")
        except (BackendError, GeneratorExit):
            raise
        except Exception as exc:
            raise self._error(exc) from exc
        if not produced:
            raise BackendError(f"llama.cpp model {self.path.name} produced no text", fix="try another GGUF model")


def build_chat_model(settings: Settings) -> ChatModel | None:
    """The configured chat model, or None when no LLM is configured (offline answers only).

    `newsrag.settings.configured_answerer` decides which: "openai" needs NEWSRAG_LLM_BASE_URL,
    "llamacpp" NEWSRAG_LLM_GGUF_PATH. Loading a GGUF takes seconds; a server adapter is cheap
    and does not contact the server until the first question.
    """
    backend = configured_answerer(settings).llm
    if backend is None:
        return None
    if backend == "openai":
        if not settings.llm_base_url:
            raise ConfigError("NEWSRAG_ANSWERER=openai needs NEWSRAG_LLM_BASE_URL, got none",
                              fix="set NEWSRAG_LLM_BASE_URL=http://127.0.0.1:8080/v1 (and NEWSRAG_LLM_MODEL)")
        return OpenAILikeChatModel(
            settings.llm_base_url, settings.llm_model or "default", api_key=settings.llm_api_key,
            timeout_s=settings.llm_timeout_s, max_tokens=settings.llm_max_tokens, temperature=settings.llm_temperature,
        )
    if settings.llm_gguf_path is None:
        raise ConfigError("NEWSRAG_ANSWERER=llamacpp needs NEWSRAG_LLM_GGUF_PATH, got none",
                          fix="set NEWSRAG_LLM_GGUF_PATH to a .gguf model file")
    return LlamaCppChatModel(
        settings.llm_gguf_path, max_tokens=settings.llm_max_tokens, temperature=settings.llm_temperature,
        timeout_s=settings.llm_timeout_s,
    )
