"""The curated seeds question set, and the loader/validator every question set goes through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.gold import (
    SEEDS_QA_PATH,
    GoldEvidence,
    evidence_problems,
    item_to_record,
    load_gold,
    locate_evidence,
    parse_item,
    write_items,
)
from evals.metrics import answer_correct
from index.article_files import load_articles
from newsrag.errors import InputError
from newsrag.settings import Settings
from newsrag.types import Article, FileLimits, Turn
from rag.language.anchors import anchor_in, find_anchors


@pytest.fixture(scope="module")
def gold():
    return load_gold(SEEDS_QA_PATH)


@pytest.fixture(scope="module")
def seed_articles() -> tuple[Article, ...]:
    max_bytes = Settings().max_file_bytes
    result = load_articles([Path(__file__).resolve().parents[2] / "seeds"], FileLimits.uniform(max_bytes))
    assert not result.problems
    return result.articles


# ------------------------------------------------------------------ the curated set


def test_seed_set_size_and_composition(gold):
    comp = gold.composition()
    assert len(gold.items) >= 60
    assert comp["unanswerable"] >= 12
    assert comp["single"] >= 30
    for category in ("multi_sentence", "two_articles", "followup"):
        assert comp[category] >= 5, category
    assert not any(i.draft for i in gold.items)


def test_every_evidence_is_an_exact_sentence_of_the_cleaned_article_from_its_file(gold, seed_articles):
    assert evidence_problems(gold, seed_articles) == []
    for item in gold.answerable:
        assert all(ev.file for ev in item.evidence), f"{item.id}: curated evidence names its file"


def test_two_article_items_really_span_two_articles(gold, seed_articles):
    for item in gold.items:
        if item.category != "two_articles":
            continue
        located = locate_evidence([item], seed_articles)
        assert len({e.article_id for e in located}) >= 2, item.id


def test_some_accepted_answer_is_stated_in_the_evidence(gold):
    for item in gold.answerable:
        evidence = " ".join(e.text for e in item.evidence)
        assert answer_correct(evidence, item.answers), f"{item.id}: no accepted answer in its evidence"


def test_followups_carry_history(gold):
    followups = [i for i in gold.items if "followup" in i.types]
    assert len(followups) >= 6
    assert all(i.history and isinstance(i.history[0], Turn) for i in followups)


def test_unanswerable_items_ask_for_a_date_or_name_the_articles_never_state(gold, seed_articles):
    corpus = "\n".join(a.text + "\n" + a.title for a in seed_articles)
    checked = 0
    for item in gold.unanswerable:
        if not {"date", "official"} & set(item.types):
            continue
        anchors = [a for a in find_anchors(item.question) if a.kind in ("date", "name")]
        assert any(not anchor_in(a, corpus) for a in anchors), f"{item.id}: every anchor occurs in the seeds"
        checked += 1
    assert checked >= 4


def test_the_september_19_deadline_question_is_in_the_set(gold):
    item = next(i for i in gold.items if i.question == "What was the September 19 deadline?")
    assert any("Kurdistan Regional Government (KRG) to take action against militant separatists" in e.text
               for e in item.evidence)


# ------------------------------------------------------------------ the loader


def _write(tmp_path: Path, *records, raw: str = "") -> Path:
    path = tmp_path / "qs.jsonl"
    lines = [json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n" + raw, encoding="utf-8")
    return path


GOOD = {"id": "q1", "question": "When?", "answers": ["May 2"], "evidence": [{"text": "It was May 2.", "file": "a.txt"}]}


def test_minimal_user_set_loads_with_defaults_and_bare_evidence(tmp_path):
    path = _write(tmp_path, {"id": "q", "question": "Who?", "answers": ["Ann"], "evidence": ["Ann said so."]},
                  {"id": "u", "question": "Why?", "answerable": False},
                  raw="# a comment line\n\n")
    gold = load_gold(path)
    first, second = gold.items
    assert first.evidence == (GoldEvidence("Ann said so.", None),)
    assert first.category == "other" and second.category == "unanswerable"
    assert first.line == 1 and second.line == 2


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({**GOOD, "answers": []}, "needs at least one accepted answer"),
        ({**GOOD, "evidence": []}, "needs at least one 'evidence'"),
        ({"id": "u", "question": "Q?", "answerable": False, "answers": ["x"]}, "must have no 'answers'"),
        ({**GOOD, "anwsers": ["typo"]}, "unknown keys ['anwsers']"),
        ({**GOOD, "history": [["only the question"]]}, "list of [question, answer] pairs"),
        ({**GOOD, "evidence": [{"text": "x", "page": 3}]}, "unknown keys ['page']"),
        ({**GOOD, "question": "  "}, "non-empty string 'question'"),
    ],
)
def test_invalid_items_are_named_with_their_line(tmp_path, record, message):
    path = _write(tmp_path, GOOD | {"id": "ok"}, record)
    with pytest.raises(InputError) as err:
        load_gold(path)
    assert message in str(err.value)
    assert "line 2" in str(err.value)


def test_bad_json_duplicate_ids_and_missing_file_are_reported(tmp_path):
    path = _write(tmp_path, GOOD, GOOD, raw="{not json\n")
    with pytest.raises(InputError) as err:
        load_gold(path)
    assert "line 3: expected one JSON object per line" in str(err.value)
    assert "duplicate id 'q1'" in str(err.value)
    with pytest.raises(InputError, match="no file at"):
        load_gold(tmp_path / "missing.jsonl")


def test_draft_items_are_refused_unless_included(tmp_path):
    path = _write(tmp_path, GOOD, GOOD | {"id": "d1", "draft": True})
    with pytest.raises(InputError, match="--include-drafts"):
        load_gold(path)
    assert [i.id for i in load_gold(path, include_drafts=True).items] == ["q1", "d1"]


def test_records_round_trip_through_the_writer(tmp_path, gold):
    path = tmp_path / "copy.jsonl"
    write_items(gold.items, path)
    again = load_gold(path)
    assert [item_to_record(i) for i in again.items] == [item_to_record(i) for i in gold.items]


def test_locate_evidence_respects_the_file_and_reports_misses():
    a = Article(id="A", title="t", text="Alpha said yes. Beta said no.", source_path="/data/x/a.txt")
    b = Article(id="B", title="t", text="Beta said no.", source_path="/data/x/b.txt")
    problems: list[str] = []
    item = parse_item({"id": "q", "question": "?", "answers": ["no"],
                       "evidence": [{"text": "Beta said no.", "file": "b.txt"}, "Alpha said yes.", "Gamma."]},
                      1, problems)
    assert problems == []
    found = locate_evidence([item], [a, b])
    assert [(e.article_id, e.start) for e in found] == [("B", 0), ("A", 0), (None, -1)]
