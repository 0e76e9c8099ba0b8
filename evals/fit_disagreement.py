"""Fit the rules conflict detector: `python -m evals.fit_disagreement`.

1. Reads the hand-labelled pairs of `evals/disagreement/pairs.jsonl` and embeds every
   sentence with the packaged MiniLM (unit vectors; at run time the index's late-chunked
   sentence vectors stand in for them).
2. Every pair gets the features of `rag/research/conflict_features.py`; positive = "disagree",
   negative = "agree" or "unrelated".
3. On the fit split only: a logistic regression whose regularisation C is chosen by
   grouped cross-validation (folds by article, so one story's pairs are never on both
   sides) on average precision; its out-of-fold probabilities choose the threshold: the
   lowest one at which the predictions reach PRECISION_TARGET precision ("show nothing
   rather than a wrong 'sources disagree'"); when no cut reaches it, the threshold is
   NEVER (above 1) and the detector reports nothing. The most precise cut is recorded and
   measured beside it, so the price of the target is visible.
4. Writes `rag/models/disagreement.json` (or `--out`) with what it was fitted on, then
   measures the test split (overall, per kind, against agree and unrelated negatives
   separately) and the seeds split, prints that and writes `evals/disagreement/report.md`.
   Refitting on the same pairs reproduces the file.

Deliberately left out: mining and labelling pairs (evals/disagreement/build_candidates.py
and SOURCE.md), and any NLI model (rag/research/conflict_nli.py is not fitted).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsrag.types import Statement
from rag.answering.sentence_scorer import Logistic
from rag.research.conflict_features import FEATURES, pair_features
from rag.research.conflict_rules import DisagreementModel, packaged_model_path

HERE = Path(__file__).resolve().parent / "disagreement"
PAIRS = HERE / "pairs.jsonl"
REPORT = HERE / "report.md"
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
PRECISION_TARGET = 0.9
MIN_PREDICTED = 3  # a threshold must keep at least this many out-of-fold predictions to count
FOLDS = 5


@dataclass(frozen=True)
class Pair:
    id: str
    a: Statement
    b: Statement
    label: str  # "disagree", "agree" or "unrelated"
    kind: str | None  # the gold kind of a disagreement: "denial", "figure" or "other"
    split: str  # "fit", "test" or "seeds"
    group: str  # the article the pair's fold follows


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    predicted: int
    true_positives: int
    positives: int


def load_pairs(path: Path = PAIRS, cache: Path | None = None) -> list[Pair]:
    """The labelled pairs with MiniLM vectors (read from / written to `cache`, an .npz, when given)."""
    from index.embedder import load_index_embedder
    from newsrag.offline import configure_offline
    from newsrag.settings import load_settings

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    configure_offline()
    texts = sorted({r["a"] for r in rows} | {r["b"] for r in rows})
    if cache is not None and cache.exists():
        stored = np.load(cache)
        vectors = stored["vectors"] if list(stored["texts"]) == texts else None
    else:
        vectors = None
    if vectors is None:
        vectors = load_index_embedder(load_settings()).embed_documents(texts)
        if cache is not None:
            np.savez(cache, texts=np.array(texts), vectors=vectors)
    vec = {t: np.asarray(v, dtype=np.float32) for t, v in zip(texts, vectors, strict=True)}
    return [Pair(r["id"], Statement(r["a"], r["a_article"], vec[r["a"]]),
                 Statement(r["b"], r["b_article"], vec[r["b"]]), r["label"], r.get("kind"), r["split"],
                 min(r["a_article"], r["b_article"])) for r in rows]


def design(pairs: Sequence[Pair]) -> tuple[np.ndarray, np.ndarray]:
    X = np.array([pair_features(p.a, p.b) for p in pairs]) if pairs else np.zeros((0, len(FEATURES)))
    y = np.array([int(p.label == "disagree") for p in pairs])
    return X, y


def fit_logistic(X: np.ndarray, y: np.ndarray, C: float) -> Logistic:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    scale = np.where(scaler.scale_ == 0, 1.0, scaler.scale_)
    model = LogisticRegression(C=C, max_iter=5000).fit((X - scaler.mean_) / scale, y)
    return Logistic(scaler.mean_.astype(np.float64), scale.astype(np.float64), model.coef_[0].astype(np.float64),
                    float(model.intercept_[0]))


def out_of_fold(X: np.ndarray, y: np.ndarray, groups: np.ndarray, C: float) -> np.ndarray:
    from sklearn.model_selection import GroupKFold

    oof = np.zeros(len(y))
    for train, held in GroupKFold(n_splits=FOLDS).split(X, y, groups):
        oof[held] = fit_logistic(X[train], y[train], C)(X[held])
    return oof


NEVER = 1.000001  # a threshold no probability reaches: the detector reports nothing


def best_threshold(probabilities: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(threshold, precision) of the most precise cut with at least MIN_PREDICTED predictions;
    ties go to the lower threshold (more recall at the same precision)."""
    best = (NEVER, 0.0)
    for t in np.sort(np.unique(probabilities)):
        chosen = probabilities >= t
        if chosen.sum() >= MIN_PREDICTED and y[chosen].mean() > best[1] + 1e-12:
            best = (float(np.floor(t * 1e6) / 1e6), float(y[chosen].mean()))
    return best


def choose_threshold(probabilities: np.ndarray, y: np.ndarray, target: float = PRECISION_TARGET) -> float:
    """The lowest threshold whose predictions (p >= t, at least MIN_PREDICTED) reach `target` precision.

    When none reaches it: NEVER, so the detector reports nothing (the safe answer)."""
    for t in np.sort(np.unique(probabilities)):
        chosen = probabilities >= t
        if chosen.sum() >= MIN_PREDICTED and y[chosen].mean() >= target:
            return float(np.floor(t * 1e6) / 1e6)
    return NEVER


def scores(predicted: np.ndarray, positive: np.ndarray) -> Scores:
    tp = int((predicted & positive).sum())
    p = tp / int(predicted.sum()) if predicted.sum() else 0.0
    r = tp / int(positive.sum()) if positive.sum() else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Scores(round(p, 4), round(r, 4), round(f1, 4), int(predicted.sum()), tp, int(positive.sum()))


def fit(pairs: Sequence[Pair]) -> tuple[DisagreementModel, dict[str, object]]:
    from sklearn.metrics import average_precision_score

    train = [p for p in pairs if p.split == "fit"]
    X, y = design(train)
    groups = np.array([p.group for p in train])
    trials = [(float(average_precision_score(y, oof)), -C, C, oof)
              for C in C_GRID for oof in [out_of_fold(X, y, groups, C)]]
    ap, _, C, oof = max(trials, key=lambda t: (round(t[0], 6), t[1]))
    threshold = choose_threshold(oof, y)
    cv = scores(oof >= threshold, y == 1)
    best_t, _ = best_threshold(oof, y)
    best = scores(oof >= best_t, y == 1)
    labels = {lab: sum(p.label == lab for p in train) for lab in ("disagree", "agree", "unrelated")}
    fitted_on = (f"evals/disagreement/pairs.jsonl fit split: {len(train)} pairs ({labels['disagree']} disagree, "
                 f"{labels['agree']} agree, {labels['unrelated']} unrelated); C={C} by {FOLDS}-fold grouped CV "
                 f"(average precision {ap:.3f}); threshold = lowest out-of-fold with precision >= {PRECISION_TARGET}"
                 + ("" if threshold < 1 else " (not reached: the detector reports nothing)"))
    model = DisagreementModel(FEATURES, fit_logistic(X, y, C), threshold, fitted_on)
    record: dict[str, object] = {"C": C, "cv_average_precision": round(ap, 4), "cv_precision": cv.precision,
                                 "cv_recall": cv.recall, "cv_predicted": cv.predicted,
                                 "precision_target": PRECISION_TARGET, "target_reached": threshold < 1,
                                 "best_cv_threshold": best_t, "best_cv_precision": best.precision,
                                 "best_cv_recall": best.recall, "pairs": len(train), **labels}
    return model, record


def predict(model: DisagreementModel, pairs: Sequence[Pair], threshold: float | None = None
            ) -> tuple[np.ndarray, list[str]]:
    X, _ = design(pairs)
    probs = np.array([model.probability(row) for row in X])
    return probs >= (model.threshold if threshold is None else threshold), [model.kind(row) for row in X]


def evaluate(model: DisagreementModel, pairs: Sequence[Pair], threshold: float | None = None) -> dict[str, Scores]:
    """Scores on `pairs`: overall, per kind, and with only agree or only unrelated negatives."""
    if not pairs:
        return {}
    hit, kinds = predict(model, pairs, threshold)
    gold = np.array([p.label == "disagree" for p in pairs])
    labels = np.array([p.label for p in pairs])
    out = {"overall": scores(hit, gold)}
    for kind in ("denial", "figure"):
        pred_k = hit & np.array([k == kind for k in kinds])
        gold_k = gold & np.array([p.kind == kind for p in pairs])
        out[f"kind={kind}"] = scores(pred_k, gold_k)
    for neg in ("agree", "unrelated"):
        keep = (labels == "disagree") | (labels == neg)
        out[f"negatives={neg}"] = scores(hit[keep], gold[keep])
    return out


def report(model: DisagreementModel, record: dict[str, object], results: dict[str, dict[str, Scores]],
           pairs: Sequence[Pair]) -> str:
    lines = ["# Disagreement detector: fitted rules", "", "Written by `python -m evals.fit_disagreement`.", "",
             f"Fitted on: {model.fitted_on}.", "",
             f"Threshold {'never (above 1)' if model.threshold > 1 else f'{model.threshold:.4f}'}; "
             f"cross-validated on the fit split: precision {record['cv_precision']}, "
             f"recall {record['cv_recall']} ({record['cv_predicted']} predicted). Precision target "
             f"{record['precision_target']}: {'reached' if record['target_reached'] else 'NOT reached'}.", "",
             f"The most precise out-of-fold cut (at least {MIN_PREDICTED} predictions) is threshold "
             f"{record['best_cv_threshold']}: precision {record['best_cv_precision']}, recall "
             f"{record['best_cv_recall']}. Rows marked `best-cv` below use it (not shipped unless it is the "
             "threshold above).", "",
             "| split | scope | precision | recall | F1 | predicted | true pos. | positives |",
             "|---|---|---|---|---|---|---|---|"]
    for split, res in results.items():
        for scope, s in res.items():
            lines.append(f"| {split} | {scope} | {s.precision} | {s.recall} | {s.f1} | {s.predicted} | "
                         f"{s.true_positives} | {s.positives} |")
    lines += ["", "Precision is 0 where nothing was predicted; a kind with no positives in a split shows recall 0.",
              "Per kind, a hit needs the predicted kind to equal the labelled one.", "", "## Weights", "",
              "| feature | coefficient (standardised) |", "|---|---|"]
    lines += [f"| {n} | {c:+.3f} |" for n, c in zip(model.features, model.logistic.coef, strict=True)]
    lines += [f"| (intercept) | {model.logistic.intercept:+.3f} |", "", "## Test and seeds predictions", ""]
    for split in ("test", "seeds"):
        part = [p for p in pairs if p.split == split]
        hit, kinds = predict(model, part)
        for p, h, k in zip(part, hit, kinds, strict=True):
            if h or p.label == "disagree":
                mark = ("TP" if p.label == "disagree" else "FP") if h else "FN"
                lines.append(f"- {split} {mark} ({k if h else p.kind}): {p.a.text[:110]} || {p.b.text[:110]}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--out", type=Path, default=packaged_model_path())
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument("--vectors", type=Path, default=None, help="cache the sentence vectors here (.npz)")
    args = parser.parse_args(argv)
    pairs = load_pairs(args.pairs, args.vectors)
    model, record = fit(pairs)
    args.out.write_text(json.dumps({**model.to_dict(), "record": record}, indent=1) + "\n", encoding="utf-8")
    results = {split: evaluate(model, [p for p in pairs if p.split == split]) for split in ("test", "seeds")}
    best = float(str(record["best_cv_threshold"]))
    results.update({f"{split} best-cv": evaluate(model, [p for p in pairs if p.split == split], best)
                    for split in ("test", "seeds")})
    text = report(model, record, results, pairs)
    args.report.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
