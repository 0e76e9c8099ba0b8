"""Load and validate question sets ("gold sets") into frozen dataclasses.

A question set is a JSONL file, one question per line, in the format documented in
`evals/FORMAT.md`. Loading checks every field and reports every problem with its line
number at once, so a user bringing their own set fixes it in one pass.
`locate_evidence` then finds each evidence string in the loaded (cleaned) articles,
which is what retrieval relevance is measured against.

Draft items (written by `evals/generate.py`, `"draft": true`) are refused in a curated
run unless the caller opts in with `include_drafts=True`: machine-drafted questions
must never be mixed into a curated score silently.

Deliberately left out: scoring (see `evals/metrics.py`) and any fuzzy matching of
evidence; evidence must be copied exactly from the cleaned article text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from newsrag.errors import InputError
from newsrag.types import Article, Turn

SEEDS_QA_PATH = Path(__file__).resolve().parent / "seeds_qa.jsonl"

# The one category tag every item carries (others, like "who" or "when", are free-form).
CATEGORIES = ("single", "multi_sentence", "two_articles", "followup", "unanswerable")
_KNOWN_KEYS = frozenset({"id", "question", "history", "answerable", "answers", "evidence", "types", "draft", "notes",
                         "article"})


@dataclass(frozen=True)
class GoldEvidence:
    """A passage of an article that answers the question: exact text, optionally its file."""

    text: str
    file: str | None = None  # file name (or path suffix) the text comes from; None = any article


@dataclass(frozen=True)
class GoldItem:
    id: str
    question: str
    answerable: bool
    answers: tuple[str, ...]  # accepted answer variants; empty for unanswerable items
    evidence: tuple[GoldEvidence, ...]  # empty for unanswerable items
    history: tuple[Turn, ...] = ()
    types: tuple[str, ...] = ()
    draft: bool = False
    notes: str = ""
    line: int = 0  # 1-based line in the file, for messages
    article: str | None = None  # the article the item is about (splits a set by article; see evals/devset.py)

    @property
    def category(self) -> str:
        """The item's category tag, or "other" for user sets that do not tag items."""
        for tag in self.types:
            if tag in CATEGORIES:
                return tag
        if not self.answerable:
            return "unanswerable"
        return "followup" if self.history else "other"


@dataclass(frozen=True)
class GoldSet:
    path: str
    items: tuple[GoldItem, ...]

    @property
    def answerable(self) -> tuple[GoldItem, ...]:
        return tuple(i for i in self.items if i.answerable)

    @property
    def unanswerable(self) -> tuple[GoldItem, ...]:
        return tuple(i for i in self.items if not i.answerable)

    def composition(self) -> dict[str, int]:
        """Item counts by category, for reports."""
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.category] = counts.get(item.category, 0) + 1
        return dict(sorted(counts.items()))


@dataclass(frozen=True)
class LocatedEvidence:
    """Where one gold evidence string sits in the cleaned articles."""

    item_id: str
    text: str
    article_id: str | None  # None when the text was not found in any article
    start: int = -1
    end: int = -1


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _parse_evidence(value: object, where: str, problems: list[str]) -> tuple[GoldEvidence, ...]:
    if not isinstance(value, list):
        problems.append(f"{where}: expected 'evidence' to be a list, got {type(value).__name__}")
        return ()
    out = []
    for n, ev in enumerate(value, 1):
        if isinstance(ev, str) and ev.strip():
            out.append(GoldEvidence(text=ev))
        elif isinstance(ev, dict) and isinstance(ev.get("text"), str) and ev["text"].strip():
            extra = set(ev) - {"text", "file"}
            file = ev.get("file")
            if extra:
                problems.append(f"{where}: evidence {n} has unknown keys {sorted(extra)}; "
                                "expected only 'text' and 'file'")
            elif file is not None and not (isinstance(file, str) and file.strip()):
                problems.append(f"{where}: evidence {n} 'file' must be a non-empty string, got {file!r}")
            else:
                out.append(GoldEvidence(text=ev["text"], file=file))
        else:
            problems.append(f"{where}: evidence {n} must be a non-empty string "
                            f"or {{\"text\": ..., \"file\": ...}}, got {ev!r}")
    return tuple(out)


def _parse_history(value: object, where: str, problems: list[str]) -> tuple[Turn, ...]:
    if not isinstance(value, list) or not all(
        isinstance(t, list) and len(t) == 2 and all(isinstance(s, str) for s in t) for t in value
    ):
        problems.append(f"{where}: expected 'history' as a list of [question, answer] pairs, got {value!r}")
        return ()
    return tuple(Turn(question=q, answer=a) for q, a in value)


def parse_item(record: object, line: int, problems: list[str]) -> GoldItem | None:
    """One JSON object -> GoldItem; appends messages to `problems` and returns None if unusable."""
    where = f"line {line}"
    if not isinstance(record, dict):
        problems.append(f"{where}: expected a JSON object, got {type(record).__name__}")
        return None
    before = len(problems)
    unknown = set(record) - _KNOWN_KEYS
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}; expected some of {sorted(_KNOWN_KEYS)}")
    item_id, question = record.get("id"), record.get("question")
    if not (isinstance(item_id, str) and item_id.strip()):
        problems.append(f"{where}: expected a non-empty string 'id', got {item_id!r}")
    if not (isinstance(question, str) and question.strip()):
        problems.append(f"{where}: expected a non-empty string 'question', got {question!r}")
    answerable = record.get("answerable", True)
    if not isinstance(answerable, bool):
        problems.append(f"{where}: expected 'answerable' true or false, got {answerable!r}")
        answerable = True
    answers = record.get("answers", [])
    if not _strings(answers):
        problems.append(f"{where}: expected 'answers' as a list of non-empty strings, got {answers!r}")
        answers = []
    evidence = _parse_evidence(record.get("evidence", []), where, problems)
    if answerable and not answers:
        problems.append(f"{where}: an answerable item needs at least one accepted answer in 'answers'")
    if answerable and not evidence:
        problems.append(f"{where}: an answerable item needs at least one 'evidence' passage")
    if not answerable and (answers or evidence):
        problems.append(f"{where}: an unanswerable item must have no 'answers' and no 'evidence'")
    history = _parse_history(record.get("history", []), where, problems)
    types = record.get("types", [])
    if not (isinstance(types, list) and all(isinstance(t, str) for t in types)):
        problems.append(f"{where}: expected 'types' as a list of strings, got {types!r}")
        types = []
    draft = record.get("draft", False)
    if not isinstance(draft, bool):
        problems.append(f"{where}: expected 'draft' true or false, got {draft!r}")
        draft = False
    notes = record.get("notes", "")
    article = record.get("article")
    if article is not None and not (isinstance(article, str) and article.strip()):
        problems.append(f"{where}: expected 'article' as a non-empty string (an article id), got {article!r}")
    if len(problems) > before or not isinstance(item_id, str) or not isinstance(question, str):
        return None  # (a non-string id or question is one of the problems)
    return GoldItem(
        id=item_id.strip(),
        question=question.strip(),
        answerable=answerable,
        answers=tuple(answers),
        evidence=evidence,
        history=history,
        types=tuple(types),
        draft=draft,
        notes=str(notes),
        line=line,
        article=article.strip() if isinstance(article, str) else None,
    )


def load_gold(path: Path | str, *, include_drafts: bool = False) -> GoldSet:
    """Read and validate a JSONL question set; raises InputError listing every problem.

    Blank lines and lines starting with '#' are skipped (comments for the curator).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"expected a question file (JSONL), got no file at '{path}'",
                         fix="pass --questions with the path of a .jsonl file (see evals/FORMAT.md)")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(f"expected a UTF-8 text file, got undecodable bytes in '{path}'",
                         fix="save the question file as UTF-8") from exc
    problems: list[str] = []
    items: list[GoldItem] = []
    for n, raw in enumerate(lines, 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: expected one JSON object per line, got invalid JSON ({exc.msg})")
            continue
        item = parse_item(record, n, problems)
        if item is not None:
            items.append(item)
    seen: dict[str, int] = {}
    for item in items:
        if item.id in seen:
            problems.append(f"line {item.line}: duplicate id '{item.id}' (first on line {seen[item.id]})")
        seen.setdefault(item.id, item.line)
    drafts = [i for i in items if i.draft]
    if drafts and not include_drafts:
        problems.append(
            f"{len(drafts)} draft item(s) (first '{drafts[0].id}' on line {drafts[0].line}) in a curated run; "
            "review them and remove \"draft\": true, or pass --include-drafts"
        )
    if not items and not problems:
        problems.append("expected at least one question, got none")
    if problems:
        shown = "; ".join(problems[:20]) + (f"; ... and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise InputError(f"invalid question file '{path}': {shown}", fix="see evals/FORMAT.md for the format")
    return GoldSet(path=str(path), items=tuple(items))


def _file_matches(article: Article, file: str | None) -> bool:
    if file is None:
        return True
    source = article.source_path.replace("\\", "/")
    return source == file or source.endswith("/" + file.lstrip("/"))


def locate_evidence(items: Sequence[GoldItem], articles: Sequence[Article]) -> tuple[LocatedEvidence, ...]:
    """Find every evidence string of `items` in the cleaned articles (exact substring).

    When a file is named only that file's articles are searched; the first match wins.
    """
    out = []
    for item in items:
        for ev in item.evidence:
            found = LocatedEvidence(item_id=item.id, text=ev.text, article_id=None)
            for article in articles:
                if not _file_matches(article, ev.file):
                    continue
                start = article.text.find(ev.text)
                if start >= 0:
                    found = LocatedEvidence(item.id, ev.text, article.id, start, start + len(ev.text))
                    break
            out.append(found)
    return tuple(out)


def evidence_problems(gold: GoldSet, articles: Sequence[Article]) -> list[str]:
    """Messages for evidence that is not an exact substring of a cleaned article (empty = all found)."""
    by_item = {i.id: i for i in gold.items}
    problems = []
    for loc in locate_evidence(gold.items, articles):
        if loc.article_id is None:
            item = by_item[loc.item_id]
            file = next((e.file for e in item.evidence if e.text == loc.text), None)
            scope = f"in '{file}'" if file else "in any article"
            problems.append(f"line {item.line} ({item.id}): evidence not found {scope}: {loc.text[:80]!r}")
    return problems


def item_to_record(item: GoldItem) -> dict[str, object]:
    """GoldItem -> the JSON object of the file format (inverse of `parse_item`)."""
    record: dict[str, object] = {"id": item.id, "question": item.question}
    if item.history:
        record["history"] = [[t.question, t.answer] for t in item.history]
    if not item.answerable:
        record["answerable"] = False
    else:
        record["answers"] = list(item.answers)
        record["evidence"] = [{"file": e.file, "text": e.text} if e.file else {"text": e.text} for e in item.evidence]
    if item.types:
        record["types"] = list(item.types)
    if item.draft:
        record["draft"] = True
    if item.notes:
        record["notes"] = item.notes
    if item.article:
        record["article"] = item.article
    return record


def write_items(items: Sequence[GoldItem], path: Path | str) -> None:
    """Write items as JSONL (UTF-8, one object per line)."""
    lines = [json.dumps(item_to_record(i), ensure_ascii=False) for i in items]
    Path(path).write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
