"""Tuned numbers have one home: a Settings default is written only in newsrag/settings.py.

The check reads the product's modules with `ast` and finds every function default,
module or class constant and call keyword whose name is a setting's name (or its tail:
`overlap_tokens` for `chunk_overlap_tokens`, `DEFAULT_TOP_K` for `top_k`) and whose
literal value is that setting's default. Such a literal is a second copy that would
silently stay behind when the setting's default changes.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsrag.settings import Settings
from newsrag.tuning import ChunkingTuning, RetrievalTuning

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("newsrag", "index", "rag", "ui", "evals", "cli")

# Copies in modules that other work in progress is rewriting; each is to be removed
# (callers pass the value from Settings or Tuning) and its entry deleted here.
PENDING = {
    ("evals/baseline.py", "embed_batch_size"),
    ("rag/llm/chat_models.py", "api_key"),
    ("rag/llm/chat_models.py", "timeout_s"),
    ("rag/llm/chat_models.py", "max_tokens"),
    ("rag/llm/chat_models.py", "temperature"),
}


def _setting_defaults() -> dict[str, object]:
    out: dict[str, object] = {}
    for name, field in Settings.model_fields.items():
        value = field.default
        # Booleans and None are too common to mean "a copy of this setting".
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            out[name] = value
    return out


def _setting_for(name: str, defaults: dict[str, object]) -> str | None:
    key = name.lower().removeprefix("default_").lstrip("_")
    for setting in defaults:
        if key == setting or setting.endswith("_" + key):
            return setting
    return None


def _literal(node: ast.expr | None) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        value = node.operand.value
        return -value if isinstance(value, (int, float)) else None
    return None


def _named_values(tree: ast.Module) -> Iterator[tuple[str, ast.expr | None, int]]:
    """(name, value node, line) of every parameter default, constant and call keyword."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            positional = [*args.posonlyargs, *args.args]
            for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults, strict=True):
                yield arg.arg, default, default.lineno
            for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
                if kw_default is not None:
                    yield arg.arg, kw_default, kw_default.lineno
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield target.id, node.value, node.lineno
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            yield node.target.id, node.value, node.lineno
        elif isinstance(node, ast.Call):
            # Only numbers: a string keyword ("answerer='offline'") names a choice, not a default.
            for keyword in node.keywords:
                if keyword.arg is not None and isinstance(_literal(keyword.value), (int, float)):
                    yield keyword.arg, keyword.value, keyword.value.lineno


def _modules() -> Iterator[Path]:
    for package in PACKAGES:
        folder = ROOT / package
        if folder.is_dir():
            yield from sorted(folder.rglob("*.py"))


def _copies() -> list[tuple[str, str, int, str]]:
    defaults = _setting_defaults()
    found = []
    for path in _modules():
        rel = path.relative_to(ROOT).as_posix()
        if rel == "newsrag/settings.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for name, node, line in _named_values(tree):
            setting = _setting_for(name, defaults)
            if setting is None:
                continue
            value = _literal(node)
            if value is not None and type(value) is type(defaults[setting]) and value == defaults[setting]:
                found.append((rel, name, line, setting))
    return found


def test_no_module_repeats_a_settings_default() -> None:
    copies = [c for c in _copies() if (c[0], c[1]) not in PENDING]
    assert copies == [], "\n".join(
        f"{rel}:{line}: {name}={_setting_defaults()[setting]!r} repeats the default of Settings.{setting}; "
        "take it from Settings / newsrag.tuning instead"
        for rel, name, line, setting in copies
    )


def test_pending_copies_still_exist() -> None:
    """An entry of PENDING whose copy is gone must be deleted, so the list only shrinks."""
    left = {(c[0], c[1]) for c in _copies()}
    assert sorted(PENDING - left) == []


def test_the_check_finds_a_copy(tmp_path: Path) -> None:
    tree = ast.parse("def f(chunk_overlap_tokens=32, *, top_k=6):\n    return g(rrf_k=60)\nDEFAULT_TOP_K = 6\n")
    names = {name for name, node, _ in _named_values(tree) if _literal(node) is not None}
    assert names == {"chunk_overlap_tokens", "top_k", "rrf_k", "DEFAULT_TOP_K"}
    defaults = _setting_defaults()
    assert _setting_for("overlap_tokens", defaults) == "chunk_overlap_tokens"
    assert _setting_for("DEFAULT_TOP_K", defaults) == "top_k"


def test_from_settings_copies_what_users_set() -> None:
    settings = Settings(top_k=4, candidate_k=12, rrf_k=10, chunk_tokens=128, chunk_overlap_tokens=16)
    assert RetrievalTuning.from_settings(settings) == RetrievalTuning(top_k=4, candidate_k=12, rrf_k=10)
    assert ChunkingTuning.from_settings(settings) == ChunkingTuning(chunk_tokens=128, overlap_tokens=16)


def test_tuning_is_frozen() -> None:
    tuning = RetrievalTuning.from_settings(Settings())
    with pytest.raises(dataclasses.FrozenInstanceError):
        tuning.top_k = 3  # type: ignore[misc]
