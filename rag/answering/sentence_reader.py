"""The trained reader: a cross-encoder that reads the question with each candidate sentence.

The reader is all-MiniLM-L6-v2 fine-tuned as a cross-encoder (`evals/reader/train.py`,
`make train-reader`) on question-answering data with unanswerable questions (SQuAD 2.0
dev, SelQA) and then on the news fitting split, with candidate sets shaped like the query
path's. For each (question, sentence) pair it gives one logit: how likely the sentence
gives what is asked, not merely the topic. The offline answerer weighs that logit beside
the retrieval and lexical signals (`rag/answering/sentence_scorer.py`).

What it reads is fixed by `encode_pair`, the one place that turns a candidate into model
input: the question, then the sentence followed by its article's title (news names the
story in the title and the detail in the sentence). Training and the query path both use
it, so what was trained on is what is scored.

It runs on onnxruntime (`models/sentence_reader/reader.onnx`, float16 weights, with the
tokenizer.json it was trained with and `manifest.json` saying how it was made), so the query
path imports no torch. Deliberately left out: training and export (evals/reader/), and any
decision (the answerer decides with these logits).
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from newsrag.errors import ConfigError

if TYPE_CHECKING:  # tokenizers loads when a reader does
    from tokenizers import Tokenizer

READER_DIR = "sentence_reader"
MODEL_FILE = "reader.onnx"
TOKENIZER_FILE = "tokenizer.json"
MANIFEST_FILE = "manifest.json"
MAX_TOKENS = 64  # 90 % of question + sentence pairs fit; a longer pair loses the title first, then the sentence's end


@dataclass(frozen=True)
class ReaderInput:
    """One candidate as the reader sees it."""

    sentence: str
    title: str = ""


def pair_text(candidate: ReaderInput) -> str:
    """The second segment of the pair: the sentence, then the title of its article."""
    return f"{candidate.sentence} | {candidate.title}" if candidate.title else candidate.sentence


class SentenceReader(Protocol):
    """Scores candidate sentences for a question: one logit each (higher: more likely answers)."""

    name: str

    def logits(self, question: str, candidates: Sequence[ReaderInput]) -> np.ndarray:
        """Float64 array of len(candidates); empty in, empty out."""
        ...


def load_tokenizer(path: Path, max_tokens: int = MAX_TOKENS) -> Tokenizer:
    """The reader's tokenizer: pairs, cut longest-first to `max_tokens`, padded to the batch's longest."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_length=max_tokens, strategy="longest_first")
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return tokenizer


def encode_pairs(tokenizer: Tokenizer, question: str, candidates: Sequence[ReaderInput]) -> dict[str, np.ndarray]:
    """input_ids, attention_mask and token_type_ids (int64, batch x tokens) for the pairs."""
    encodings = tokenizer.encode_batch([(question, pair_text(c)) for c in candidates])
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class OnnxSentenceReader:
    """The packaged reader on onnxruntime (implements `SentenceReader`)."""

    def __init__(self, folder: Path, threads: int) -> None:
        from newsrag.onnx_session import cpu_session

        model, tokenizer, manifest = folder / MODEL_FILE, folder / TOKENIZER_FILE, folder / MANIFEST_FILE
        missing = [p.name for p in (model, tokenizer, manifest) if not p.is_file()]
        if missing:
            raise ConfigError(f"expected the reader's {', '.join(missing)} in {folder}, got none",
                              fix="restore rag/models/sentence_reader/ from the repository, or run `make train-reader`")
        try:
            info = json.loads(manifest.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ConfigError(f"expected the reader manifest {manifest} to be JSON, got {exc}",
                              fix="restore it from the repository, or run `make train-reader`") from exc
        self.name = str(info.get("name", "reader"))
        self.max_tokens = int(info.get("max_tokens", MAX_TOKENS))
        self._session = cpu_session(model, threads)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = load_tokenizer(tokenizer, self.max_tokens)
        self._lock = threading.Lock()  # the tokenizer's padding state is shared

    def logits(self, question: str, candidates: Sequence[ReaderInput]) -> np.ndarray:
        if not candidates:
            return np.zeros(0)
        with self._lock:
            feed = encode_pairs(self._tokenizer, question, candidates)
        out = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        return np.asarray(out, dtype=np.float64).reshape(len(candidates), -1)[:, 0]


def packaged_reader_dir() -> Path:
    return Path(str(resources.files("rag").joinpath("models", READER_DIR)))


@functools.cache
def load_sentence_reader(folder: str | None, threads: int) -> OnnxSentenceReader:
    """The reader in `folder`, or the one packaged with the product (loaded once per process)."""
    return OnnxSentenceReader(Path(folder) if folder else packaged_reader_dir(), threads)
