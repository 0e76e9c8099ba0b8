"""What the intent classifier sees of an utterance: hashed word and character n-gram counts.

One function, `hashed_features`, used both by the fitting script (`evals/fit_intent.py`)
and by the query path (`rag/jobs/intent_classifier.py`), so that a model is always read with the features
it was fitted on. Words come from the project's tokeniser (`newsrag.text.words`); the
features are:

- words and word bigrams, with the sentence start and end as words, plus the first word
  and the first two words on their own ("summarize ...", "which articles ...", "hi");
- character 3- to 5-grams inside each word padded with spaces, so a typo ("sumarize",
  "wich") still shares most of its grams with the word it misspells;
- the closing punctuation ("?" or "!") and a length bucket (a greeting is short).

Each feature is hashed (CRC-32, stable across processes, unlike `hash()`) into one of two
blocks, words and characters, and each block is log-scaled and L2-normalised.

Deliberately left out: any word list. What a word means for the intent is learnt from
the labelled utterances in `evals/intents/`, not written here.
"""

from __future__ import annotations

import zlib

import numpy as np

from newsrag.text import normalize, words

WORD_BUCKETS = 2048
CHAR_BUCKETS = 2048
DIMENSION = WORD_BUCKETS + CHAR_BUCKETS
CHAR_NGRAMS = (3, 4, 5)
LENGTH_BUCKETS = (1, 2, 3, 5, 8, 12)  # upper bounds of the word-count buckets; longer is the last bucket


def _bucket(feature: str, size: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) % size


def _length_bucket(n: int) -> str:
    for bound in LENGTH_BUCKETS:
        if n <= bound:
            return f"len<={bound}"
    return "len>12"


def word_features(text: str) -> list[str]:
    """The word-level features of `text` (public for tests and for reading a model)."""
    tokens = words(text)
    out = [f"w:{t}" for t in tokens]
    padded = ["<s>", *tokens, "</s>"]
    out += [f"b:{a}_{b}" for a, b in zip(padded, padded[1:], strict=False)]
    if tokens:
        out.append(f"first:{tokens[0]}")
        out.append(f"first2:{'_'.join(tokens[:2])}")
    stripped = text.rstrip()
    if stripped.endswith(("?", "!")):
        out.append(f"end:{stripped[-1]}")
    out.append(_length_bucket(len(tokens)))
    return out


def char_features(text: str) -> list[str]:
    out: list[str] = []
    for token in words(normalize(text)):
        padded = f" {token} "
        for n in CHAR_NGRAMS:
            out += [f"c:{padded[i:i + n]}" for i in range(max(1, len(padded) - n + 1))]
    return out


def _block(features: list[str], size: int) -> np.ndarray:
    counts = np.zeros(size, dtype=np.float32)
    for f in features:
        counts[_bucket(f, size)] += 1.0
    counts = np.log1p(counts)
    norm = float(np.linalg.norm(counts))
    return counts / norm if norm > 0 else counts


def hashed_features(text: str) -> np.ndarray:
    """float32 (DIMENSION,): the word block, then the character block, each of unit length (or zero)."""
    text = " ".join(text.split())
    return np.concatenate([_block(word_features(text), WORD_BUCKETS), _block(char_features(text), CHAR_BUCKETS)])


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - float(np.max(scores))
    exp = np.exp(shifted)
    return np.asarray(exp / float(np.sum(exp)), dtype=np.float64)

