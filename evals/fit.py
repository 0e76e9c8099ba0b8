"""Fit the offline answerer's sentence scorer on the fitting split: `make fit`.

1. Index the fit-split articles of `evals/devdata/` (only those: no test article is
   seen while fitting) and run every fit question through condensing and hybrid
   retrieval, as the product does.
2. Every candidate sentence gets its features (`rag/answering/sentence_features.py`) and a label:
   1 when it is (part of) a gold evidence sentence of its question, else 0.
3. A linear sentence score is fitted on pairs (an answering sentence against a
   non-answering one of the same question); its regularisation is chosen by grouped
   cross-validation (folds by article) on how often the top sentence answers. Its out-of-fold probabilities choose
   the extra-sentence share (most answerable questions right when answering all) and
   train the question-level model (will quoting the best sentences be right?), whose
   out-of-fold confidences choose the refusal threshold that gets the most questions
   right, a false refusal costing as much as a wrong answer.
4. Everything is written to `rag/models/sentence_scorer.json` (or `--out`), with what
   it was fitted on. Refitting on the same data and index reproduces the file.

Deliberately left out: judging the result; `evals/compare.py` measures it on the test split.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evals.devset import DEVDATA_DIR, build_index, items_in, load_collections, write_articles
from evals.gold import GoldItem
from evals.metrics import answer_correct, normalize_passage
from newsrag.offline import configure_offline
from newsrag.settings import Settings, load_settings
from rag.answering.offline_answerer import Scored, choose
from rag.answering.sentence_features import FEATURES, CandidateSet
from rag.answering.sentence_scorer import Logistic, SentenceScorer, packaged_model_path, question_features

C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
THRESHOLDS = tuple(round(t, 3) for t in np.arange(0.02, 0.90, 0.01))
EXTRA_SHARES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)  # 1.01: never an extra sentence
MAX_SENTENCES = 3
FOLDS = 5


@dataclass(frozen=True)
class Example:
    """One question with its candidates and their labels."""

    item: GoldItem
    candidates: CandidateSet
    labels: np.ndarray  # 1 = the candidate is gold evidence
    titles: tuple[str, ...] = ()  # the retrieved passages' titles, by passage number - 1 (the reader reads them)


def is_evidence(text: str, item: GoldItem) -> bool:
    """A candidate sentence is evidence when it holds a gold evidence text or lies inside one."""
    cand = normalize_passage(text)
    return any((ev := normalize_passage(e.text)) and (ev in cand or (len(cand) >= 20 and cand in ev))
               for e in item.evidence)


def label(text: str, item: GoldItem) -> bool:
    """A sentence answers when it is gold evidence or states an accepted answer."""
    return item.answerable and (is_evidence(text, item) or answer_correct(text, item.answers))


def collect(settings: Settings, items: Sequence[GoldItem]) -> list[Example]:
    """Retrieve for every item as the product does and build its labelled candidates."""
    from index.embedder import load_index_embedder
    from index.index_reader import open_reader
    from rag.answering.sentence_features import build_candidates
    from rag.followup_rules import condense_question
    from rag.retrieval.hybrid_retriever import HybridRetriever
    from rag.retrieval.sentence_source import SentenceSource

    embedder = load_index_embedder(settings)
    retriever = HybridRetriever.from_settings(settings, open_reader(settings, embedder), embedder)
    source = SentenceSource(retriever.reader, embedder)
    out = []
    for item in items:
        query = condense_question(item.history, item.question) if item.history else item.question
        got = retriever.retrieve(query, mode=settings.retrieval_mode)
        stored = source.for_chunks([p.chunk for p in got.passages])
        assert got.query_embedding is not None
        cands = build_candidates(query, got.passages, stored, got.query_embedding, retriever.idf)
        labels = np.array([label(c.text, item) for c in cands.candidates], dtype=np.int64)
        out.append(Example(item, cands, labels, tuple(p.chunk.title for p in got.passages)))
    return out


def item_correct(example: Example, chosen: Sequence[int]) -> bool:
    """Answerable: an accepted answer is in the quoted sentences. Unanswerable: refused."""
    if not example.item.answerable:
        return not chosen
    text = " ".join(example.candidates.candidates[i].text for i in chosen)
    return bool(chosen) and answer_correct(text, example.item.answers)


def _scored(e: Example, probs: np.ndarray, confidence: float) -> Scored:
    return Scored(e.candidates, probs, confidence)


def best_share(examples: Sequence[Example], probabilities: Sequence[np.ndarray]) -> float:
    """The extra-sentence share that answers the most answerable questions right when answering all."""
    def right(share: float) -> int:
        return sum(item_correct(e, choose(_scored(e, p, 1.0), 0.0, share, MAX_SENTENCES))
                   for e, p in zip(examples, probabilities, strict=True) if e.item.answerable)
    return max(EXTRA_SHARES, key=lambda share: (right(share), share))


def sweep(examples: Sequence[Example], probabilities: Sequence[np.ndarray], confidences: Sequence[float],
          share: float) -> tuple[float, float]:
    """(accuracy, threshold) of the best refusal threshold; ties go to the lower threshold."""
    best = (-1.0, 0.0)
    for t in THRESHOLDS:
        right = sum(item_correct(e, choose(_scored(e, p, c), t, share, MAX_SENTENCES))
                    for e, p, c in zip(examples, probabilities, confidences, strict=True))
        acc = right / max(1, len(examples))
        if acc > best[0] + 1e-12:
            best = (acc, t)
    return best


def _design(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = [e.candidates.matrix() for e in examples]
    X = np.vstack(rows) if rows else np.zeros((0, len(FEATURES)))
    y = np.concatenate([e.labels for e in examples]) if examples else np.zeros(0)
    groups = np.concatenate([[e.item.article or e.item.id] * len(e.labels) for e in examples])
    return X, y, groups


def fit_lr(X: np.ndarray, y: np.ndarray, C: float) -> Logistic:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    model = LogisticRegression(C=C, max_iter=5000).fit(scaler.transform(X), y)
    scale = np.where(scaler.scale_ == 0, 1.0, scaler.scale_)
    return Logistic(scaler.mean_.astype(np.float64), scale.astype(np.float64), model.coef_[0].astype(np.float64),
                    float(model.intercept_[0]))


def _folds(y: np.ndarray, groups: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import GroupKFold

    yield from GroupKFold(n_splits=FOLDS).split(np.zeros(len(y)), y, groups)


def _fit_pairwise(examples: Sequence[Example], C: float) -> Logistic:
    """A linear score fitted on (answering - non-answering) feature differences within each question."""
    return fit_pairwise([e.candidates.matrix() for e in examples], [e.labels for e in examples], C)


def fit_pairwise(matrices: Sequence[np.ndarray], labels: Sequence[np.ndarray], C: float) -> Logistic:
    """A linear score over the rows of each question's matrix, fitted on (answering - non-answering)
    row differences within each question (so its softmax ranks a question's candidates)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    X = np.vstack(matrices)
    scaler = StandardScaler().fit(X)
    scale = np.where(scaler.scale_ == 0, 1.0, scaler.scale_)
    rng = np.random.default_rng(0)  # which side of each pair comes first: fixed, so refits reproduce
    diffs, signs = [], []
    for matrix, y in zip(matrices, labels, strict=True):
        Z = (matrix - scaler.mean_) / scale
        pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
        for i in pos:
            for j in neg:
                flip = rng.random() < 0.5
                diffs.append(Z[j] - Z[i] if flip else Z[i] - Z[j])
                signs.append(0 if flip else 1)
    model = LogisticRegression(C=C, max_iter=5000, fit_intercept=False).fit(np.array(diffs), np.array(signs))
    return Logistic(scaler.mean_.astype(np.float64), scale.astype(np.float64), model.coef_[0].astype(np.float64), 0.0)


def article_folds(examples: Sequence[Example]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(train, held-out) example indices, an article's questions always on one side."""
    from sklearn.model_selection import GroupKFold

    groups = np.array([e.item.article or e.item.id for e in examples])
    yield from GroupKFold(n_splits=FOLDS).split(np.zeros(len(examples)), None, groups)


def out_of_fold(examples: Sequence[Example], C: float) -> list[np.ndarray]:
    """Each question's candidate probabilities from a model fitted without its article."""
    out: list[np.ndarray] = [np.zeros(0)] * len(examples)
    for train, held in article_folds(examples):
        model = _fit_pairwise([examples[i] for i in train], C)
        for i in held:
            out[i] = model.softmax(examples[i].candidates.matrix()) if len(examples[i].labels) else np.zeros(0)
    return out


def _top1_right(examples: Sequence[Example], probabilities: Sequence[np.ndarray]) -> float:
    right = [e.item.answerable and len(p) > 0 and item_correct(e, [int(np.argmax(p))])
             for e, p in zip(examples, probabilities, strict=True)]
    return sum(right) / max(1, sum(e.item.answerable for e in examples))


def _question_design(examples: Sequence[Example], probabilities: Sequence[np.ndarray], share: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    Q = np.array([question_features(e.candidates.matrix(), p, len(e.candidates.missing_anchors))
                  for e, p in zip(examples, probabilities, strict=True)])
    y = np.array([int(e.item.answerable and item_correct(e, choose(_scored(e, p, 1.0), 0.0, share, MAX_SENTENCES)))
                  for e, p in zip(examples, probabilities, strict=True)])
    groups = np.array([e.item.article or e.item.id for e in examples])
    return Q, y, groups


def best_c(X: np.ndarray, y: np.ndarray, groups: np.ndarray) -> tuple[float, float, np.ndarray]:
    """(C, cross-validated log loss, out-of-fold probabilities) of the best regularisation."""
    from sklearn.metrics import log_loss

    trials = []
    for C in C_GRID:
        oof = np.zeros(len(y))
        for train, held in _folds(y, groups):
            oof[held] = fit_lr(X[train], y[train], C)(X[held])
        trials.append((log_loss(y, np.clip(oof, 1e-6, 1 - 1e-6)), C, oof))
    loss, C, oof = min(trials, key=lambda t: (t[0], t[1]))
    return C, loss, oof


def fit(examples: Sequence[Example]) -> tuple[SentenceScorer, dict[str, object]]:
    """The two-stage scorer and a record of how it was chosen (all choices on out-of-fold predictions)."""
    _, y, _ = _design(examples)
    trials = [(_top1_right(examples, oof), -C, C, oof) for C in C_GRID for oof in [out_of_fold(examples, C)]]
    top1, _, C, oof = max(trials, key=lambda t: (t[0], t[1]))
    share = best_share(examples, oof)
    Q, qy, qgroups = _question_design(examples, oof, share)
    qC, qloss, q_oof = best_c(Q, qy, qgroups)
    accuracy, threshold = sweep(examples, oof, list(q_oof), share)
    scorer = SentenceScorer(
        features=FEATURES, sentence=_fit_pairwise(examples, C), question=fit_lr(Q, qy, qC),
        refusal_threshold=float(threshold), extra_share=float(share), max_sentences=MAX_SENTENCES,
    )
    record: dict[str, object] = {
        "sentence_C": C, "sentence_cv_top1": round(top1, 4), "question_C": qC,
        "question_cv_log_loss": round(float(qloss), 5), "cv_accuracy": round(accuracy, 4),
        "questions": len(examples), "answerable": sum(e.item.answerable for e in examples),
        "candidates": int(len(y)), "positives": int(y.sum()),
        "articles": len({e.item.article for e in examples})}
    return scorer, record


def dev_settings(base: Settings, workspace: Path, split: str) -> Settings:
    return base.model_copy(update={"data_dir": workspace / split / "data"})


def prepare(base: Settings, workspace: Path, split: str | None, root: Path = DEVDATA_DIR) -> Settings:
    """An index of the articles of `split` (None: all) in the workspace; returns its settings."""
    collections = load_collections(root)
    name = split or "all"
    settings = dev_settings(base, workspace, name)
    folder = write_articles(collections, workspace / name / "articles", split)
    build_index(settings, folder)
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.fit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, default=None,
                        help="where the fitting index lives (default: DATA_DIR/devsets)")
    parser.add_argument("--out", type=Path, default=None, help="where to write the scorer (default: the packaged file)")
    parser.add_argument("--devdata", type=Path, default=DEVDATA_DIR,
                        help="folder of collections to fit on, laid out like evals/devdata/ (default: that folder)")
    args = parser.parse_args(argv)
    configure_offline()
    base = load_settings()
    workspace = args.workspace or base.data_dir / "devsets"
    settings = prepare(base, workspace, "fit", args.devdata)
    examples = collect(settings, items_in(load_collections(args.devdata), "fit"))
    scorer, record = fit(examples)
    out = args.out or packaged_model_path()
    data = {**scorer.to_dict(), "fitted_on": record, "sentence_vectors": settings.sentence_vectors}
    out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"fitted on {record['questions']} questions ({record['articles']} articles, {record['candidates']} "
          f"candidate sentences): C={record['sentence_C']}/{record['question_C']}, "
          f"threshold {scorer.refusal_threshold:.2f}, extra share "
          f"{scorer.extra_share:.2f}, cross-validated accuracy {record['cv_accuracy']:.3f} -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
