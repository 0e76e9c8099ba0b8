"""The intent classifier: fitted model loads with NumPy only, labels each kind, protects the question path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.jobs.intent_classifier import (
    COLLECTION,
    EMBEDDING_MODEL,
    GREETING,
    INTENTS,
    QUESTION,
    SMALLTALK,
    SUMMARY,
    TEXT_MODEL,
    UNREAD,
    IntentClassifier,
    load_intent_classifier,
    packaged_model_path,
)
from rag.jobs.intent_features import DIMENSION, hashed_features

ROOT = Path(__file__).resolve().parents[2]
EVAL_SETS = [ROOT / "evals" / "seeds_qa.jsonl", *sorted((ROOT / "evals" / "devdata").glob("*/questions.jsonl"))]


@pytest.fixture(scope="module")
def classifier() -> IntentClassifier:
    return load_intent_classifier()


def test_the_query_path_never_imports_the_fitting_library():
    """Loading and using the classifier (and the assistant module) must not pull scikit-learn in."""
    code = (
        "import sys\n"
        "from rag.jobs.intent_classifier import load_intent_classifier\n"
        "import rag.assistant, rag.jobs.job_runner\n"
        "c = load_intent_classifier()\n"
        "assert c.classify('hello').label == 'greeting'\n"
        "bad = sorted(m for m in sys.modules if m == 'sklearn' or m.startswith('sklearn.') or m == 'scipy')\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_model_file_says_what_it_was_fitted_on_and_how_well():
    data = json.loads(packaged_model_path().read_text(encoding="utf-8"))
    assert tuple(data["labels"]) == INTENTS
    assert set(data["models"]) == {TEXT_MODEL, EMBEDDING_MODEL}
    assert data["models"][EMBEDDING_MODEL]["embedding_model"] == "all-MiniLM-L6-v2"
    for name in (TEXT_MODEL, EMBEDDING_MODEL):
        held = data["figures"][name]["held_out"]
        assert held["n"] >= 100 and held["accuracy"] >= 0.85, (name, held["accuracy"])
        assert set(held["per_intent"]) == set(INTENTS)
    assert data["fitted_on"]["utterances"] + data["fitted_on"]["held_out"] >= 400


def test_features_are_stable_across_processes():
    """CRC-32 hashing, not hash(): the same utterance has the same features in every process."""
    code = "from rag.jobs.intent_features import hashed_features; import sys; v = hashed_features('Summarize it'); " \
           "print(int(v.nonzero()[0].sum()))"
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}, check=True).stdout for seed in ("1", "2")}
    assert len(runs) == 1
    v = hashed_features("Which articles mention Soleimani?")
    assert v.shape == (DIMENSION,) and v.dtype == np.float32


@pytest.mark.parametrize(("text", "label"), [
    ("hello", GREETING), ("Hi there!", GREETING), ("what can you do?", GREETING), ("helo", GREETING),
    ("thanks", SMALLTALK), ("thank you so much", SMALLTALK), ("bye", SMALLTALK),
    ("What are these articles about?", COLLECTION), ("Which articles mention Qassem Soleimani?", COLLECTION),
    ("What do you have on the IRGC?", COLLECTION), ("List the articles from Tehrantimes", COLLECTION),
    ("Summarize the article about the Iranian ambassador", SUMMARY),
    ("Give me the main points on the Kurdistan region", SUMMARY), ("summarise it", SUMMARY),
    ("What was the September 19 deadline?", QUESTION), ("Who commands the IRGC Ground Forces?", QUESTION),
    ("What did the article about the ambassador say about a ground operation?", QUESTION),
    ("Did the ambassador summarize Iran's position?", QUESTION),
    ("Which countries did the article mention?", QUESTION),
])
def test_each_kind_with_the_text_model(classifier, text, label):
    assert classifier.classify(text).label == label


def test_every_evaluation_question_is_a_question_to_the_embedding_model(classifier):
    """The answer path must see every question of the evaluation sets (with the product's embedder).

    The fitting script checked all of them (the figure stored with the model); here every tenth
    is checked again, live, through the query path's embedder."""
    from index.embedder import load_query_embedder
    from newsrag.settings import Settings

    figures = json.loads(packaged_model_path().read_text(encoding="utf-8"))["figures"][EMBEDDING_MODEL]
    assert figures["evaluation_questions"]["not_labelled_question"] == []
    embedder = load_query_embedder(Settings())
    assert classifier.embedding_wanted(embedder)
    questions = [json.loads(line)["question"] for path in EVAL_SETS
                 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][::10]
    assert figures["evaluation_questions"]["n"] >= 10 * len(questions) - 10
    vectors = embedder.embed_documents(questions)
    missed = [q for q, v in zip(questions, vectors, strict=True) if classifier.classify(q, v).label != QUESTION]
    assert missed == []
    assert classifier.classify_with("Which articles mention Soleimani?", embedder).model == EMBEDDING_MODEL


def test_unsure_and_unreadable_utterances_take_the_question_path(classifier):
    for text in ("九月十九日的最后期限是什么？", "🙂", "???", "ما هو الموعد النهائي؟"):
        intent = classifier.classify(text)
        assert intent.label == QUESTION and intent.model == UNREAD
    # a model whose best non-question guess is weak falls back to "question"
    weak = IntentClassifier(classifier.labels, classifier.models, min_probability=1.01)
    assert weak.classify("hello").label == QUESTION


def test_a_model_without_the_text_part_is_refused(classifier):
    with pytest.raises(ValueError, match="'text' part"):
        IntentClassifier(classifier.labels, {EMBEDDING_MODEL: classifier.models[EMBEDDING_MODEL]}, 0.5)
