"""Fit the intent classifier on the labelled utterances: `python -m evals.fit_intent`.

1. Reads `evals/intents/utterances.jsonl` (text, intent, paraphrase group; how it was
   written: `evals/intents/README.md`) and splits it: an utterance is held out when the
   SHA-256 of its lower-cased text falls in the first quarter of the hash range
   (`held_out`), so the split needs no list and never changes for an utterance already
   written. Nothing held out is seen while fitting.
2. Describes each utterance by the hashed n-grams of `rag/jobs/intent_features.py` ("text"
   model) and, beside them, its MiniLM sentence vector from the packaged embedder
   ("text+embedding" model).
3. For each model, chooses the regularisation C by grouped cross-validation on the fitting
   part (folds by paraphrase group, so a request is never judged by its own paraphrases),
   fits a multinomial logistic regression (scikit-learn, here only) on the whole fitting
   part, and measures it on the held-out part: accuracy, per-intent precision and recall,
   the confusion matrix. The grouped cross-validation accuracy is reported too: it is the
   harsher figure (whole families of paraphrases unseen).
4. Checks that the questions of the evaluation sets (`evals/seeds_qa.jsonl`, the devdata
   `questions.jsonl` files) are labelled "question": the answer path must see them.
5. Writes weights (rounded to 4 decimals), labels, what it was fitted on and every figure
   to `rag/models/intent.json` (or `--out`); the query path reads it with NumPy only.

Deliberately left out: utterances written to fit a particular corpus; the set is general.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NotRequired, TypedDict

import numpy as np

from newsrag.offline import configure_offline
from rag.jobs.intent_classifier import (
    EMBEDDING_MODEL,
    INTENTS,
    QUESTION,
    TEXT_MODEL,
    IntentClassifier,
    packaged_model_path,
)
from rag.jobs.intent_features import hashed_features

if TYPE_CHECKING:  # scikit-learn loads only when fitting
    from sklearn.linear_model import LogisticRegression

EVALS_DIR = Path(__file__).resolve().parent
UTTERANCES = EVALS_DIR / "intents" / "utterances.jsonl"
QUESTION_SETS = (EVALS_DIR / "seeds_qa.jsonl", *sorted((EVALS_DIR / "devdata").glob("*/questions.jsonl")))
HELD_OUT_SHARE = 0.25
C_GRID = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
FOLDS = 5
MIN_PROBABILITY = 0.5  # a label other than "question" needs this much; see rag/jobs/intent_classifier.py


class IntentScores(TypedDict):
    """How well one model labels held-out utterances."""

    accuracy: float
    n: int
    per_intent: dict[str, dict[str, float | int]]  # intent -> precision, recall, support
    confusion: dict[str, dict[str, int]]  # gold intent -> predicted intent -> count
    errors: list[dict[str, str]]  # text, gold, predicted


class QuestionCheck(TypedDict):
    """How many questions of the evaluation sets one model labels "question"."""

    n: int
    labelled_question: float
    not_labelled_question: list[str]


class ModelFigures(TypedDict):
    """Every figure of one model, as written under "figures" in the model file."""

    C: float
    grouped_cv_accuracy_by_C: dict[str, float]
    grouped_cv_accuracy: float
    held_out: NotRequired[IntentScores]
    evaluation_questions: NotRequired[QuestionCheck]


@dataclass(frozen=True)
class Utterance:
    text: str
    intent: str
    group: str


def held_out(text: str) -> bool:
    bucket = int(hashlib.sha256(text.strip().lower().encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return bucket < HELD_OUT_SHARE


def load_utterances(path: Path = UTTERANCES) -> list[Utterance]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        if record.get("intent") not in INTENTS:
            raise ValueError(f"{path}:{n}: expected an intent among {INTENTS}, got {record.get('intent')!r}")
        out.append(Utterance(record["text"], record["intent"], record["group"]))
    return out


def evaluation_questions() -> list[str]:
    out = []
    for path in QUESTION_SETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    return out


def _fit(x: np.ndarray, y: np.ndarray, c: float) -> LogisticRegression:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000).fit(x, y)


def choose_c(x: np.ndarray, y: np.ndarray, groups: Sequence[str]) -> tuple[float, dict[str, float]]:
    """The C with the best grouped cross-validation accuracy (ties: the smaller C, more regular)."""
    from sklearn.model_selection import GroupKFold

    scores: dict[str, float] = {}
    folds = list(GroupKFold(n_splits=FOLDS).split(x, y, groups))
    for c in C_GRID:
        right = 0
        for train, test in folds:
            right += int(np.sum(_fit(x[train], y[train], c).predict(x[test]) == y[test]))
        scores[str(c)] = round(right / len(y), 4)
    best = max(C_GRID, key=lambda c: (scores[str(c)], -c))
    return best, scores


def report(gold: Sequence[str], predicted: Sequence[str], texts: Sequence[str]) -> IntentScores:
    per: dict[str, dict[str, float | int]] = {}
    for label in INTENTS:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        n_pred = sum(p == label for p in predicted)
        n_gold = sum(g == label for g in gold)
        per[label] = {"precision": round(tp / n_pred, 3) if n_pred else 0.0,
                      "recall": round(tp / n_gold, 3) if n_gold else 0.0, "support": n_gold}
    confusion = {g: {p: sum(a == g and b == p for a, b in zip(gold, predicted, strict=True)) for p in INTENTS}
                 for g in INTENTS}
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
    errors = [{"text": t, "gold": g, "predicted": p} for t, g, p in zip(texts, gold, predicted, strict=True) if g != p]
    return {"accuracy": round(accuracy, 4), "n": len(gold), "per_intent": per, "confusion": confusion,
            "errors": errors}


def _as_model(clf: LogisticRegression, embedding_model: str | None) -> dict[str, object]:
    classes = list(clf.classes_)
    order = [classes.index(label) for label in INTENTS]
    out: dict[str, object] = {
        "weights": [[round(float(w), 4) for w in clf.coef_[i]] for i in order],
        "bias": [round(float(clf.intercept_[i]), 4) for i in order],
    }
    if embedding_model:
        out["embedding_model"] = embedding_model
    return out


def fit(out: Path, utterances: Sequence[Utterance]) -> dict[str, ModelFigures]:
    configure_offline()
    from index.embedder import load_query_embedder
    from newsrag.settings import load_settings

    embedder = load_query_embedder(load_settings())
    texts = [u.text for u in utterances]
    y = np.array([u.intent for u in utterances])
    groups = [u.group for u in utterances]
    hashed = np.stack([hashed_features(t) for t in texts])
    vectors = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
    inputs = {TEXT_MODEL: hashed, EMBEDDING_MODEL: np.hstack([hashed, vectors])}
    is_held = np.array([held_out(t) for t in texts])
    fit_idx, held_idx = np.flatnonzero(~is_held), np.flatnonzero(is_held)

    models: dict[str, object] = {}
    figures: dict[str, ModelFigures] = {}
    for name, x in inputs.items():
        c, cv = choose_c(x[fit_idx], y[fit_idx], [groups[i] for i in fit_idx])
        clf = _fit(x[fit_idx], y[fit_idx], c)
        models[name] = _as_model(clf, embedder.name if name == EMBEDDING_MODEL else None)
        figures[name] = {"C": c, "grouped_cv_accuracy_by_C": cv, "grouped_cv_accuracy": cv[str(c)]}

    data: dict[str, object] = {
        "format": 1,
        "labels": list(INTENTS),
        "min_probability": MIN_PROBABILITY,
        "models": models,
        "fitted_on": {"utterances": len(fit_idx), "held_out": len(held_idx),
                      "file": str(UTTERANCES.relative_to(EVALS_DIR.parent)),
                      "split": f"held out when sha256(lower-cased text) < {HELD_OUT_SHARE} of the range",
                      "embedding_model": embedder.name},
    }
    # The held-out figures come from the shipped models read back the query path's way.
    questions = evaluation_questions()
    question_vectors = np.asarray(embedder.embed_documents(questions), dtype=np.float32)
    for name in inputs:
        classifier = IntentClassifier.from_json(data)  # a fresh cache per model
        wanted = [vectors[i] if name == EMBEDDING_MODEL else None for i in range(len(texts))]
        labels = [classifier.classify(texts[i], wanted[i]).label for i in held_idx]
        figures[name]["held_out"] = report([y[i] for i in held_idx], labels, [texts[i] for i in held_idx])
        labelled = [classifier.classify(q, question_vectors[i] if name == EMBEDDING_MODEL else None).label
                    for i, q in enumerate(questions)]
        missed = [q for q, lab in zip(questions, labelled, strict=True) if lab != QUESTION]
        figures[name]["evaluation_questions"] = {
            "n": len(questions), "labelled_question": round(1 - len(missed) / len(questions), 4),
            "not_labelled_question": missed}
    data["figures"] = figures
    out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return figures


def _print(figures: dict[str, ModelFigures]) -> None:
    for name, f in figures.items():
        held = f["held_out"]
        print(f"\n== {name} (C={f['C']}) grouped-CV accuracy {f['grouped_cv_accuracy']:.3f}, "
              f"held-out accuracy {held['accuracy']:.3f} on {held['n']}")
        print(f"{'intent':<11} {'precision':>9} {'recall':>7} {'support':>7}")
        for label, row in held["per_intent"].items():
            print(f"{label:<11} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['support']:>7}")
        print("confusion (rows: gold, columns: predicted): " + " ".join(INTENTS))
        for label, counts in held["confusion"].items():
            print(f"  {label:<11} " + " ".join(f"{counts[p]:>5}" for p in INTENTS))
        for e in held["errors"]:
            print(f"  held-out error: {e['text']!r} is {e['gold']}, labelled {e['predicted']}")
        ev = f["evaluation_questions"]
        print(f"evaluation-set questions labelled 'question': {ev['labelled_question']:.3f} of {ev['n']}")
        for q in ev["not_labelled_question"][:10]:
            print(f"  not a question to it: {q}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=packaged_model_path())
    parser.add_argument("--utterances", type=Path, default=UTTERANCES)
    args = parser.parse_args(argv)
    figures = fit(args.out, load_utterances(args.utterances))
    _print(figures)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
