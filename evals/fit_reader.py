"""Fit how the answerer combines the feature scorer with the sentence reader, on the validation split.

`python -m evals.fit_reader` (the last step of `make train-reader`):

1. Index the fit and validation articles and retrieve for every validation question as
   the product does (`evals/reader/news.py`). Neither the feature scorer (fitted on the
   fit split by `evals/fit.py`) nor the reader (trained on SQuAD 2.0, SelQA and the fit
   split) has seen these articles, so their scores here are what a user's news gets.
2. The packaged feature scorer ranks each question's candidates; the packaged reader
   (ONNX, as on the query path) reads the best `max(READ_GRID)` of them once.
3. For each number of read candidates in `READ_GRID`, the combination
   (`rag/answering/combined_scorer.py`) is fitted out-of-fold (5 folds grouped by article): the
   pairwise sentence model, the extra-sentence share, the question model and the
   refusal threshold that gets the most questions right, a false refusal costing as much
   as a wrong answer. The smallest number within `READ_TOLERANCE` of the best
   out-of-fold accuracy is kept: each read sentence costs a forward pass.
4. The same data measure, for the closing note and the README: the feature scorer alone,
   the reader alone (its best logit's sentence; its best logit as the confidence) and
   the combination, all out-of-fold.
5. The final models are refitted on all validation questions and written to
   `rag/models/sentence_reader/combiner.json` with that record.

Deliberately left out: the test split (`evals/compare.py` measures it; nothing here reads it).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TypedDict

import numpy as np

from evals.fit import (
    MAX_SENTENCES,
    Example,
    article_folds,
    best_c,
    best_share,
    fit_lr,
    fit_pairwise,
    item_correct,
    sweep,
)
from evals.reader.news import examples_for
from evals.reader.train import auc
from rag.answering.combined_scorer import CombinedScorer, packaged_combiner_path, question_row, sentence_matrix
from rag.answering.offline_answerer import Scored, choose
from rag.answering.sentence_reader import ReaderInput, SentenceReader, load_sentence_reader
from rag.answering.sentence_scorer import SentenceScorer, load_scorer

READ_GRID = (4, 6, 8, 10, 12, 16)
READ_TOLERANCE = 0.005
C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)


class Trial(TypedDict):
    """The combination reading `read` candidates, measured out of fold (a line of the record)."""

    read: int
    sentence_C: float
    top1: float
    extra_share: float
    question_C: float
    question_log_loss: float
    threshold: float
    accuracy: float
    confidence_auc: float


class Read:
    """One validation question: its example, feature scores and confidence, and reader logits."""

    def __init__(self, example: Example, scorer: SentenceScorer, reader: SentenceReader, depth: int) -> None:
        matrix = example.candidates.matrix()
        self.example = example
        self.feature_scores = scorer.sentence.logits(matrix)
        self.feature_probs = scorer.probabilities(matrix)
        self.feature_confidence = scorer.confidence(matrix, self.feature_probs, len(example.candidates.missing_anchors))
        self.order = np.argsort(-self.feature_scores, kind="stable")[:depth]
        cands = example.candidates.candidates
        self.logits = reader.logits(example.candidates.question,
                                    [ReaderInput(cands[i].text, example.titles[cands[i].passage_number - 1])
                                     for i in self.order])

    def top(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(candidate indices, sentence matrix, labels) of the n best by the feature score."""
        idx = self.order[:n]
        return idx, sentence_matrix(self.feature_scores[idx], self.logits[:n]), self.example.labels[idx]

    def spread(self, n: int, read_probs: np.ndarray) -> np.ndarray:
        probs = np.zeros(len(self.feature_scores))
        probs[self.order[:n]] = read_probs
        return probs


def _sentence_oof(reads: Sequence[Read], n: int, C: float) -> list[np.ndarray]:
    out: list[np.ndarray] = [np.zeros(0)] * len(reads)
    for train, held in article_folds([r.example for r in reads]):
        fitted = [reads[i].top(n) for i in train]
        model = fit_pairwise([m for _, m, _ in fitted], [y for _, _, y in fitted], C)
        for i in held:
            out[i] = model.softmax(reads[i].top(n)[1])
    return out


def _question_design(reads: Sequence[Read], n: int, read_probs: Sequence[np.ndarray], share: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    Q = np.array([question_row(p, r.logits[:n], r.feature_confidence, len(r.example.candidates.missing_anchors))
                  for r, p in zip(reads, read_probs, strict=True)])
    y = np.array([int(r.example.item.answerable and item_correct(
        r.example, choose(Scored(r.example.candidates, r.spread(n, p), 1.0), 0.0, share, MAX_SENTENCES)))
        for r, p in zip(reads, read_probs, strict=True)])
    groups = np.array([r.example.item.article or r.example.item.id for r in reads])
    return Q, y, groups


def evaluate(reads: Sequence[Read], n: int) -> Trial:
    """Out-of-fold: the combination reading n candidates (sentence C, share, question C, threshold, accuracy)."""
    examples = [r.example for r in reads]
    trials = []
    for C in C_GRID:
        oof = _sentence_oof(reads, n, C)
        top1 = _top1([r.spread(n, p) for r, p in zip(reads, oof, strict=True)], examples)
        trials.append((top1, -C, C, oof))
    top1, _, C, oof = max(trials, key=lambda t: (t[0], t[1]))
    full = [r.spread(n, p) for r, p in zip(reads, oof, strict=True)]
    share = best_share(examples, full)
    Q, qy, groups = _question_design(reads, n, oof, share)
    qC, qloss, q_oof = best_c(Q, qy, groups)
    accuracy, threshold = sweep(examples, full, list(q_oof), share)
    return {"read": n, "sentence_C": C, "top1": round(top1, 4), "extra_share": share, "question_C": qC,
            "question_log_loss": round(float(qloss), 4), "threshold": threshold, "accuracy": round(accuracy, 4),
            "confidence_auc": _right_auc(examples, full, list(q_oof), share)}


def _top1(probabilities: Sequence[np.ndarray], examples: Sequence[Example]) -> float:
    right = [item_correct(e, [int(np.argmax(p))]) for e, p in zip(examples, probabilities, strict=True)
             if e.item.answerable and len(p)]
    return sum(right) / max(1, sum(e.item.answerable for e in examples))


def _right_auc(examples: Sequence[Example], probs: Sequence[np.ndarray], conf: Sequence[float], share: float) -> float:
    """AUC of the confidence between questions the answer would get right and the rest."""
    right = [bool(e.item.answerable and item_correct(e, choose(Scored(e.candidates, p, 1.0), 0.0, share,
                                                                    MAX_SENTENCES)))
             for e, p in zip(examples, probs, strict=True)]
    return round(auc([c for c, r in zip(conf, right, strict=True) if r],
                     [c for c, r in zip(conf, right, strict=True) if not r]), 4)


def baselines(reads: Sequence[Read], scorer: SentenceScorer) -> dict[str, dict[str, float]]:
    """The feature scorer alone (as packaged) and the reader alone, on the same questions."""
    examples = [r.example for r in reads]
    feature_probs = [r.feature_probs for r in reads]
    acc_features, _ = sweep(examples, feature_probs, [r.feature_confidence for r in reads], scorer.extra_share)
    fixed = sum(item_correct(e, choose(Scored(e.candidates, p, r.feature_confidence), scorer.refusal_threshold,
                                       scorer.extra_share, MAX_SENTENCES))
                for e, p, r in zip(examples, feature_probs, reads, strict=True)) / max(1, len(examples))
    depth = len(reads[0].order) if reads else 0
    reader_probs = [r.spread(depth, np.exp(r.logits - r.logits.max()) / np.exp(r.logits - r.logits.max()).sum())
                    if len(r.logits) else np.zeros(len(r.feature_scores)) for r in reads]
    reader_conf = [float(1 / (1 + np.exp(-r.logits.max()))) if len(r.logits) else 0.0 for r in reads]
    acc_reader, t_reader = sweep(examples, reader_probs, reader_conf, 1.01)
    best_ans = [c for c, e in zip(reader_conf, examples, strict=True) if e.item.answerable]
    best_un = [c for c, e in zip(reader_conf, examples, strict=True) if not e.item.answerable]
    feat_ans = [r.feature_confidence for r in reads if r.example.item.answerable]
    feat_un = [r.feature_confidence for r in reads if not r.example.item.answerable]
    return {
        "features": {"top1": round(_top1(feature_probs, examples), 4),
                     "accuracy_at_packaged_threshold": round(fixed, 4),
                     "accuracy_best_threshold": round(acc_features, 4),
                     "answerable_auc": round(auc(feat_ans, feat_un), 4)},
        "reader": {"top1": round(_top1(reader_probs, examples), 4), "accuracy_best_threshold": round(acc_reader, 4),
                   "threshold": t_reader, "answerable_auc": round(auc(best_ans, best_un), 4), "read": depth},
    }


def fit_final(reads: Sequence[Read], chosen: Trial) -> CombinedScorer:
    n = int(chosen["read"])
    tops = [r.top(n) for r in reads]
    sentence = fit_pairwise([m for _, m, _ in tops], [y for _, _, y in tops], float(chosen["sentence_C"]))
    probs = [sentence.softmax(m) for _, m, _ in tops]
    Q, qy, _ = _question_design(reads, n, probs, float(chosen["extra_share"]))
    question = fit_lr(Q, qy, float(chosen["question_C"]))
    return CombinedScorer(reader_candidates=n, sentence=sentence, question=question,
                          refusal_threshold=float(chosen["threshold"]),
                          extra_share=float(chosen["extra_share"]), max_sentences=MAX_SENTENCES)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.fit_reader", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, default=None, help="where the dev indexes live")
    parser.add_argument("--reader", type=Path, default=None,
                        help="an exported reader folder (default: the packaged one); its combiner.json is written")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    examples = [e for e in examples_for("validation", args.workspace) if len(e.labels)]
    scorer = load_scorer()
    reader = load_sentence_reader(str(args.reader) if args.reader else None, args.threads)
    reads = [Read(e, scorer, reader, max(READ_GRID)) for e in examples]
    trials = [evaluate(reads, n) for n in READ_GRID]
    for t in trials:
        print(json.dumps(t))
    best = max(float(t["accuracy"]) for t in trials)
    chosen = min((t for t in trials if float(t["accuracy"]) >= best - READ_TOLERANCE), key=lambda t: int(t["read"]))
    compared = baselines(reads, scorer)
    combiner = fit_final(reads, chosen)
    record = {"validation_questions": len(reads), "answerable": sum(r.example.item.answerable for r in reads),
              "articles": len({r.example.item.article for r in reads}), "trials": trials, "chosen": chosen,
              "alone": compared}
    out = args.reader / "combiner.json" if args.reader else packaged_combiner_path()
    out.write_text(json.dumps({**combiner.to_dict(), "fitted_on": record}, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"chosen": chosen, "alone": compared}, indent=1))
    print(f"-> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
