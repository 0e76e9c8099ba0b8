"""Typed loaders for the reader data sets in this folder (see README.md).

Each loader reads one `<set>/*.jsonl.gz`, checks every record's shape and the set's own
invariants (SQuAD answer offsets, SelQA answer indices, CLAPNQ gold sentence indices,
TrecQA labels), and returns frozen dataclasses. A missing, unreadable or malformed file
raises `newsrag.errors.InputError` whose fix names the set's `build.py`.

    load_squad2()  -> tuple[SquadParagraph, ...]   SQuAD 2.0 dev, by paragraph (train)
    load_selqa()   -> tuple[SelqaQuestion, ...]    SelQA answer-sentence selection dev+test (train)
    load_clapnq()  -> tuple[ClapnqQuestion, ...]   CLAPNQ dev (test only)
    load_trecqa()  -> tuple[TrecqaQuestion, ...]   TrecQA TEST (test only)
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from newsrag.errors import InputError

READERDATA_DIR = Path(__file__).resolve().parent
SQUAD2_PATH = READERDATA_DIR / "squad2_dev" / "paragraphs.jsonl.gz"
SELQA_PATH = READERDATA_DIR / "selqa" / "questions.jsonl.gz"
CLAPNQ_PATH = READERDATA_DIR / "clapnq_dev" / "questions.jsonl.gz"
TRECQA_PATH = READERDATA_DIR / "trecqa_test" / "questions.jsonl.gz"

T = TypeVar("T")


@dataclass(frozen=True)
class Span:
    """An answer: its text and its character offset in the context."""

    text: str
    start: int


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    question: str
    answerable: bool
    answers: tuple[Span, ...]  # empty when unanswerable; duplicates kept (one per annotator)
    plausible_answers: tuple[Span, ...]  # unanswerable questions only; may be empty


@dataclass(frozen=True)
class SquadParagraph:
    title: str
    context: str
    qas: tuple[SquadQuestion, ...]


@dataclass(frozen=True)
class SelqaQuestion:
    id: str
    split: str  # "dev" | "test"
    question: str
    title: str  # Wikipedia article
    section: str
    topic: str
    types: tuple[str, ...]  # what/why/when/who/where/how; may be empty
    paraphrase: bool
    sentences: tuple[str, ...]  # the section's sentences; a few are empty strings, as in the source
    answers: tuple[int, ...]  # indices into sentences, sorted, at least one


@dataclass(frozen=True)
class ClapnqReference:
    """One usable annotation: its answer, annotation round and selected sentence indices."""

    answer: str
    round: int
    sentences: tuple[int, ...]


@dataclass(frozen=True)
class ClapnqQuestion:
    id: str
    question: str
    title: str
    passage: str  # the sentences joined by single spaces (Penn Treebank tokenised)
    sentences: tuple[str, ...]
    answerable: bool
    answer: str | None  # None when unanswerable
    gold_sentences: tuple[int, ...]  # indices into sentences; empty when unanswerable
    gold_source: str  # "clapnq" (annotators' selection), "overlap" (word overlap) or "none"
    references: tuple[ClapnqReference, ...]


@dataclass(frozen=True)
class TrecqaCandidate:
    text: str  # lightly detokenised
    tokenised: str  # the source tokens joined by single spaces
    label: int  # 1 answers the question, 0 does not


@dataclass(frozen=True)
class TrecqaQuestion:
    id: str
    question: str
    question_tokenised: str
    candidates: tuple[TrecqaCandidate, ...]  # may be empty (5 questions)
    clean: bool  # at least one positive and one negative candidate


class _Record:
    """Typed access to one decoded JSON object; every wrong type raises InputError."""

    def __init__(self, raw: object, where: str, fix: str) -> None:
        if not isinstance(raw, dict):
            raise InputError(f"expected a JSON object at {where}, got {type(raw).__name__}", fix=fix)
        self._raw: dict[str, object] = raw
        self.where = where
        self.fix = fix

    def fail(self, expected: str, got: object) -> InputError:
        return InputError(f"expected {expected} at {self.where}, got {str(got)[:80]!r}", fix=self.fix)

    def _get(self, key: str, kind: type[T], label: str) -> T:
        value = self._raw.get(key)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"{label} '{key}'", value)
        return value

    def text(self, key: str) -> str:
        return self._get(key, str, "a string")

    def opt_text(self, key: str) -> str | None:
        return None if self._raw.get(key) is None else self.text(key)

    def integer(self, key: str) -> int:
        return self._get(key, int, "an integer")

    def flag(self, key: str) -> bool:
        return self._get(key, bool, "a boolean")

    def texts(self, key: str) -> tuple[str, ...]:
        items = self._get(key, list, "a list")
        if not all(isinstance(x, str) for x in items):
            raise self.fail(f"a list of strings '{key}'", items)
        return tuple(x for x in items if isinstance(x, str))

    def integers(self, key: str) -> tuple[int, ...]:
        items = self._get(key, list, "a list")
        out = []
        for x in items:
            if not isinstance(x, int) or isinstance(x, bool):
                raise self.fail(f"a list of integers '{key}'", items)
            out.append(x)
        return tuple(out)

    def records(self, key: str) -> Iterator[_Record]:
        items = self._get(key, list, "a list")
        for i, item in enumerate(items):
            yield _Record(item, f"{self.where} {key}[{i}]", self.fix)


def _fix(name: str) -> str:
    return f"rebuild it with `python evals/readerdata/{name}/build.py GIT_DIR` (see evals/readerdata/{name}/SOURCE.md)"


def _read(path: Path, name: str, convert: Callable[[_Record], T]) -> tuple[T, ...]:
    fix = _fix(name)
    if not path.is_file():
        raise InputError(f"expected the reader data file {path}, got no such file", fix=fix)
    out: list[T] = []
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for n, line in enumerate(handle, 1):
                try:
                    raw = json.loads(line)
                except json.JSONDecodeError as exc:
                    message = f"expected one JSON object per line in {path}, got {exc} on line {n}"
                    raise InputError(message, fix=fix) from exc
                out.append(convert(_Record(raw, f"{path.name} line {n}", fix)))
    except (OSError, EOFError, UnicodeDecodeError, zlib.error) as exc:
        raise InputError(f"expected a gzipped UTF-8 JSON-lines file at {path}, got {exc}", fix=fix) from exc
    if not out:
        raise InputError(f"expected records in {path}, got an empty file", fix=fix)
    return tuple(out)


def _spans(rec: _Record, key: str, context: str) -> tuple[Span, ...]:
    spans = []
    for s in rec.records(key):
        span = Span(text=s.text("text"), start=s.integer("start"))
        if not span.text or context[span.start : span.start + len(span.text)] != span.text:
            raise s.fail("an answer whose text sits at its start offset in the context", span)
        spans.append(span)
    return tuple(spans)


def _indices(rec: _Record, key: str, size: int) -> tuple[int, ...]:
    values = rec.integers(key)
    if any(not 0 <= i < size for i in values) or list(values) != sorted(set(values)):
        raise rec.fail(f"sorted distinct indices below {size} in '{key}'", values)
    return values


def _squad_paragraph(rec: _Record) -> SquadParagraph:
    context = rec.text("context")
    qas = []
    for q in rec.records("qas"):
        item = SquadQuestion(
            id=q.text("id"),
            question=q.text("question"),
            answerable=q.flag("answerable"),
            answers=_spans(q, "answers", context),
            plausible_answers=_spans(q, "plausible_answers", context),
        )
        if item.answerable != bool(item.answers) or (item.answerable and item.plausible_answers):
            raise q.fail("answers exactly when answerable and plausible answers only when not", item.id)
        qas.append(item)
    return SquadParagraph(title=rec.text("title"), context=context, qas=tuple(qas))


def _selqa_question(rec: _Record) -> SelqaQuestion:
    sentences = rec.texts("sentences")
    item = SelqaQuestion(
        id=rec.text("id"),
        split=rec.text("split"),
        question=rec.text("question"),
        title=rec.text("title"),
        section=rec.text("section"),
        topic=rec.text("topic"),
        types=rec.texts("types"),
        paraphrase=rec.flag("paraphrase"),
        sentences=sentences,
        answers=_indices(rec, "answers", len(sentences)),
    )
    if item.split not in ("dev", "test") or not item.answers:
        raise rec.fail("split 'dev' or 'test' and at least one answer sentence", item.id)
    return item


def _clapnq_question(rec: _Record) -> ClapnqQuestion:
    sentences = rec.texts("sentences")
    references = tuple(
        ClapnqReference(
            answer=r.text("answer"), round=r.integer("round"), sentences=_indices(r, "sentences", len(sentences))
        )
        for r in rec.records("references")
    )
    item = ClapnqQuestion(
        id=rec.text("id"),
        question=rec.text("question"),
        title=rec.text("title"),
        passage=rec.text("passage"),
        sentences=sentences,
        answerable=rec.flag("answerable"),
        answer=rec.opt_text("answer"),
        gold_sentences=_indices(rec, "gold_sentences", len(sentences)),
        gold_source=rec.text("gold_source"),
        references=references,
    )
    if item.passage != " ".join(sentences):
        raise rec.fail("a passage equal to its sentences joined by spaces", item.id)
    if item.answerable and not (item.answer and item.gold_sentences and item.gold_source in ("clapnq", "overlap")):
        raise rec.fail("an answer and gold sentences for an answerable question", item.id)
    if not item.answerable and (item.answer is not None or item.gold_sentences or item.references):
        raise rec.fail("no answer for an unanswerable question", item.id)
    return item


def _trecqa_question(rec: _Record) -> TrecqaQuestion:
    candidates = []
    for c in rec.records("candidates"):
        cand = TrecqaCandidate(text=c.text("text"), tokenised=c.text("tokenised"), label=c.integer("label"))
        if cand.label not in (0, 1):
            raise c.fail("label 0 or 1", cand.label)
        candidates.append(cand)
    item = TrecqaQuestion(
        id=rec.text("id"),
        question=rec.text("question"),
        question_tokenised=rec.text("question_tokenised"),
        candidates=tuple(candidates),
        clean=rec.flag("clean"),
    )
    labels = {c.label for c in candidates}
    if item.clean != (labels == {0, 1}):
        raise rec.fail("clean exactly when both labels occur", item.id)
    return item


def _unique_ids(items: tuple[T, ...], ids: list[str], path: Path, name: str) -> tuple[T, ...]:
    if len(set(ids)) != len(ids):
        repeated = len(ids) - len(set(ids))
        raise InputError(f"expected unique question ids in {path}, got {repeated} repeated", fix=_fix(name))
    return items


def load_squad2(path: Path = SQUAD2_PATH) -> tuple[SquadParagraph, ...]:
    """SQuAD 2.0 dev: 1,204 paragraphs, 11,873 questions (5,945 unanswerable). Role: train."""
    paragraphs = _read(path, "squad2_dev", _squad_paragraph)
    return _unique_ids(paragraphs, [q.id for p in paragraphs for q in p.qas], path, "squad2_dev")


def load_selqa(path: Path = SELQA_PATH) -> tuple[SelqaQuestion, ...]:
    """SelQA answer-sentence selection dev + test: 2,375 questions, 28,938 sentences. Role: train."""
    questions = _read(path, "selqa", _selqa_question)
    return _unique_ids(questions, [q.id for q in questions], path, "selqa")


def load_clapnq(path: Path = CLAPNQ_PATH) -> tuple[ClapnqQuestion, ...]:
    """CLAPNQ dev: 300 answerable + 300 unanswerable questions. Test only, never trained or tuned on."""
    questions = _read(path, "clapnq_dev", _clapnq_question)
    return _unique_ids(questions, [q.id for q in questions], path, "clapnq_dev")


def load_trecqa(path: Path = TRECQA_PATH) -> tuple[TrecqaQuestion, ...]:
    """TrecQA TEST: 100 questions, 1,517 candidates (68 clean). Test only, never trained or tuned on."""
    questions = _read(path, "trecqa_test", _trecqa_question)
    return _unique_ids(questions, [q.id for q in questions], path, "trecqa_test")
