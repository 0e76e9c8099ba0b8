"""The reader's news groups: the product's own retrieved candidates for the development questions.

Fit-split questions are asked of an index of the fit articles, validation-split
questions of an index of the fit and validation articles (`evals/devset.py`), through
condensing and hybrid retrieval as the product does (`evals/fit.collect`). Every
candidate sentence of the top passages is labelled as `evals/fit.label` labels it.
A group keeps its positives, the negatives the feature scorer ranks highest (the
sentences the reader must learn to tell from the answer: on topic, other detail) and
a few random ones. Unanswerable questions give groups with no positive.

Deliberately left out: the test split (never trained on or tuned on).
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from evals.devset import items_in, load_collections
from evals.fit import Example, collect, prepare
from evals.reader.examples import ReaderGroup, bounded
from newsrag.offline import configure_offline
from newsrag.settings import load_settings
from rag.answering.sentence_reader import ReaderInput
from rag.answering.sentence_scorer import load_scorer

HARD_NEGATIVES = 10  # ranked by the feature scorer; the reader sees about this many per question on the query path


def examples_for(split: str, workspace: Path | None = None) -> list[Example]:
    """The labelled candidate sets of `split`'s questions, retrieved from that split's index."""
    configure_offline()
    base = load_settings()
    settings = prepare(base, workspace or base.data_dir / "devsets", split)
    return collect(settings, items_in(load_collections(), split))


def group_of(example: Example) -> ReaderGroup:
    cands = tuple(ReaderInput(c.text, example.titles[c.passage_number - 1]) for c in example.candidates.candidates)
    return ReaderGroup("news", example.item.article or example.item.id, example.candidates.question, cands,
                       tuple(int(y) for y in example.labels))


def hard_order(example: Example) -> list[int]:
    """Candidates by the packaged feature scorer's probability, best first."""
    probs = load_scorer().probabilities(example.candidates.matrix())
    return [int(i) for i in np.argsort(-probs, kind="stable")]


def news_groups(workspace: Path | None, max_random: int, seed: int
                ) -> tuple[list[ReaderGroup], list[ReaderGroup], dict[str, object]]:
    """(train groups from the fit split, validation groups with every candidate, what was used)."""
    rng = random.Random(seed)
    train = []
    fit_examples = [e for e in examples_for("fit", workspace) if len(e.labels)]
    for e in fit_examples:
        group = group_of(e)
        train.append(bounded(group, HARD_NEGATIVES + max_random, rng, hard_first=hard_order(e)[:HARD_NEGATIVES]))
    valid = [group_of(e) for e in examples_for("validation", workspace) if len(e.labels)]
    info: dict[str, object] = {"news_fit_questions": len(fit_examples),
                               "news_fit_articles": len({e.item.article for e in fit_examples}),
                               "news_validation_questions": len(valid), "hard_negatives": HARD_NEGATIVES}
    return train, valid, info
