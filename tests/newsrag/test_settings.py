"""Settings: env prefix, validation turned into ConfigError naming the variable."""

from __future__ import annotations

import pytest

from newsrag.errors import ConfigError
from newsrag.settings import load_settings


def test_env_prefix_and_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSRAG_TOP_K", "9")
    monkeypatch.setenv("NEWSRAG_DATA_DIR", str(tmp_path))
    s = load_settings(top_k=None, strict=True)
    assert s.top_k == 9 and s.strict is True and s.data_dir == tmp_path
    assert s.manifest_path.parent == tmp_path
    assert load_settings(top_k=3).top_k == 3


def test_invalid_values_name_the_variable(monkeypatch):
    monkeypatch.setenv("NEWSRAG_TOP_K", "zero")
    with pytest.raises(ConfigError, match="NEWSRAG_TOP_K"):
        load_settings()


def test_overlap_must_be_below_chunk_size():
    with pytest.raises(ConfigError, match="chunk_overlap_tokens"):
        load_settings(chunk_tokens=64, chunk_overlap_tokens=64)


def test_auth_needs_user_and_password():
    with pytest.raises(ConfigError, match="user:password"):
        load_settings(auth="justauser")
    assert load_settings(auth="u:p").auth == "u:p"


def test_defaults_are_offline_and_local():
    s = load_settings()
    assert s.answerer == "offline" and s.host == "127.0.0.1" and s.chroma_url is None


def test_configured_answerer_is_decided_once():
    from newsrag.settings import AnswererChoice, configured_answerer

    assert configured_answerer(load_settings()) == AnswererChoice(llm=None, default="offline")
    # an endpoint or a model file configures an LLM, offered per question; answers stay offline
    with_url = load_settings(llm_base_url="http://127.0.0.1:9/v1")
    assert configured_answerer(with_url) == AnswererChoice("openai", "offline")
    assert configured_answerer(load_settings(llm_gguf_path="m.gguf")) == AnswererChoice("llamacpp", "offline")
    # naming the answerer makes it the default, and wins over what else is set
    assert configured_answerer(load_settings(answerer="openai")) == AnswererChoice("openai", "llm")
    assert configured_answerer(load_settings(answerer="llamacpp", llm_base_url="http://x/v1")) == AnswererChoice(
        "llamacpp", "llm")
