"""Refusals are plain English: one grammatical sentence that keeps the words the user asked with.

Run on every question form of the evaluation sets (the seeds' gold set and both development
collections), and pinned exactly on the forms the rules turn into reported speech.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from newsrag.text import content_terms
from rag.language.refusal import _past, _third, no_article_about, no_mentions, no_outlet, question_refusal, reported

ROOT = Path(__file__).resolve().parents[2]
EVAL_SETS = [ROOT / "evals" / "seeds_qa.jsonl", *sorted((ROOT / "evals" / "devdata").glob("*/questions.jsonl"))]
QUESTIONS = [json.loads(line)["question"] for path in EVAL_SETS
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
OPENING, CLOSING = "I could not find ", " in the indexed articles."


def _well_formed(refusal: str, question: str) -> list[str]:
    problems = []
    if not (refusal.startswith(OPENING) and refusal.endswith(CLOSING)):
        problems.append("not 'I could not find ... in the indexed articles.'")
    quoted = re.fullmatch(r"I could not find an answer to “(.+)” in the indexed articles\.", refusal)
    body = refusal[len(OPENING) : -len(CLOSING)]
    if quoted:
        if quoted.group(1) != " ".join(question.split()):
            problems.append("the quote is not the question as asked")
    else:
        if "?" in body or "“" in body or "”" in body:
            problems.append("reported speech keeps a question mark or quote")
        if not body[:1].islower():
            problems.append("reported clause does not start with a lower-case wh-word or 'whether'")
    tokens = body.lower().split()
    if any(a == b and a.isalpha() for a, b in zip(tokens, tokens[1:], strict=False)):
        problems.append("a doubled word")
    said = set(content_terms(refusal))
    words = set(re.findall(r"[\w'’-]+", refusal.lower()))
    # a verb the reported form inflected ("did Iran end" -> "Iran ended") is still the user's word
    missing = {t for t in set(content_terms(question)) - said
               if not any(w in words for w in (_past(t), _third(t)) if w)}
    if missing:
        problems.append(f"lost content words {sorted(missing)}")
    return problems


def test_every_evaluation_question_gets_a_well_formed_refusal():
    assert len(QUESTIONS) >= 500
    bad = {q: p for q in QUESTIONS if (p := _well_formed(question_refusal(q), q))}
    assert bad == {}


def test_most_evaluation_questions_are_reported_not_quoted():
    """The quote is the fallback, not the rule."""
    reported_share = sum(reported(q) is not None for q in QUESTIONS) / len(QUESTIONS)
    assert reported_share >= 0.45


@pytest.mark.parametrize(("question", "clause"), [
    ("Who commands the IRGC Ground Forces?", "who commands the IRGC Ground Forces"),
    ("What was the October 3 deadline?", "what the October 3 deadline was"),
    ("Who is Iran's ambassador to Baghdad?", "who Iran's ambassador to Baghdad is"),
    ("How many pilgrims were killed in the stampede?", "how many pilgrims were killed in the stampede"),
    ("When did Iran end the mission?", "when Iran ended the mission"),
    ("What did the ambassador say about a ground operation?", "what the ambassador said about a ground operation"),
    ("How did Iraq respond to the deadline?", "how Iraq responded to the deadline"),
    ("What does Iran want?", "what Iran wants"),
    ("What do the sources say about Qaani's visit?", "what the sources say about Qaani's visit"),
    ("Where are the Kurdish groups based?", "where the Kurdish groups are based"),
    ("When was the joint security committee set up?", "when the joint security committee was set up"),
    ("When was Soleimani assassinated?", "when Soleimani was assassinated"),
    ("What was the meeting about?", "what the meeting was about"),
    ("What is Iran doing in Iraq?", "what Iran is doing in Iraq"),
    ("When will the election take place?", "when the election will take place"),
    ("How effective is Turkovac at preventing Omicron infections?",
     "how effective Turkovac is at preventing Omicron infections"),
    ("Did Iran send troops to Iraq?", "whether Iran sent troops to Iraq"),
    ("Does Iran deny the claims?", "whether Iran denies the claims"),
    ("Has the mission ended?", "whether the mission has ended"),
    ("Were any pilgrims injured?", "whether any pilgrims were injured"),
    ("Is Iran planning a ground operation?", "whether Iran is planning a ground operation"),
])
def test_reported_speech(question, clause):
    assert question_refusal(question) == f"{OPENING}{clause}{CLOSING}"


@pytest.mark.parametrize("question", [
    "Tell me about Soleimani", "What about October 3?", "Is the report true?", "When did they open it?",
    "Who is Ahmed Mohamed, the boy arrested over his clock?", "Why couldn't she get onto the stage?",
    "Who is X, and what did he say?", "When did the talks stop?",  # "stop" -> "stopped": doubling, so quoted
])
def test_forms_the_rules_cannot_bound_are_quoted(question):
    assert question_refusal(question) == f"I could not find an answer to “{question}” in the indexed articles."


def test_the_other_jobs_refuse_in_plain_english():
    assert no_mentions("Zorblat", 6) == "None of the 6 indexed articles mention Zorblat."
    assert no_mentions("Zorblat", 1) == "None of the indexed article mentions Zorblat."
    assert no_outlet("Reuters", 6) == "None of the 6 indexed articles is from Reuters."
    assert no_article_about("the moon landing") == (
        "I could not find an article about the moon landing in the indexed articles.")
