"""The word lists are data files in one place, read once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsrag.vocab import mapping, vocabulary

VOCAB_DIR = Path(__file__).resolve().parents[2] / "newsrag" / "vocab"


PHRASE_LISTS = {"denial"}  # lists whose entries may be phrases ("no truth"), matched word for word


def test_every_list_loads_and_is_lower_case():
    for path in VOCAB_DIR.glob("*.txt"):
        words = vocabulary(path.stem)
        assert words, path
        assert all(w == w.lower() for w in words), path
        assert path.stem in PHRASE_LISTS or all(" " not in w for w in words), path


def test_mappings_parse():
    assert mapping("months")["sept"] == "september"
    assert int(mapping("number_words")["twelve"]) == 12
    assert mapping("irregular_verbs")["sent"] == "send"


def test_an_unknown_list_names_the_file():
    with pytest.raises(ValueError, match="newsrag/vocab/nope.txt"):
        vocabulary("nope")


def test_no_module_keeps_its_own_copy_of_a_word_list():
    """A frozenset or dict of many literal words in code is a list that belongs in newsrag/vocab/."""
    root = VOCAB_DIR.parents[1]
    offenders = []
    for package in ("newsrag", "rag", "index", "ui"):
        for path in (root / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for m in re.finditer(r'frozenset\(\s*"""([^"]+)"""', text):
                if len(m.group(1).split()) > 12:
                    offenders.append(f"{path.name}: {m.group(1).split()[:4]}")
    assert offenders == []
