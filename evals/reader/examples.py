"""Training groups for the reader: one question with its candidate sentences and their labels.

Three sources, each turned into the shape the query path gives the reader (a question
and several candidate sentences, each with its article's title; rag/answering/sentence_reader.py):

- SQuAD 2.0 dev (`evals/readerdata/squad2_dev`): the sentences of the question's
  paragraph; the one holding the answer is positive. An unanswerable question's
  sentences are all negative, the one holding its "plausible answer" first (the
  hardest negative there is: on topic, the wrong detail).
- SelQA dev and test (`evals/readerdata/selqa`): a Wikipedia section's sentences with
  the annotators' answer sentences.
- The news fitting split (`evals/devdata`, `evals/reader/news.py`): the candidates the
  product's own retrieval returns across articles, labelled as `evals/fit.py` labels them.

Each group keeps its positives and a bounded number of negatives, hardest first where
a ranking exists, so a few long paragraphs do not dominate. A held-out share of
SQuAD's and SelQA's articles (by a hash of the title) is kept for validation.

Deliberately left out: CLAPNQ and TrecQA (test only, never trained on) and WikiQA
(its licence forbids a commercial product).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from evals.readerdata.load import load_selqa, load_squad2
from newsrag.text import sentence_spans
from rag.answering.sentence_reader import ReaderInput

VALIDATION_SHARE = 0.1  # of SQuAD / SelQA articles, by title


@dataclass(frozen=True)
class ReaderGroup:
    """One question and its labelled candidates (labels: 1 = the sentence answers)."""

    source: str  # "squad2", "selqa", "news"
    key: str  # what the group splits by (article or title)
    question: str
    candidates: tuple[ReaderInput, ...]
    labels: tuple[int, ...]

    @property
    def answerable(self) -> bool:
        return any(self.labels)


def held_out(title: str, share: float = VALIDATION_SHARE) -> bool:
    bucket = int(hashlib.sha256(title.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return bucket < share


def bounded(group: ReaderGroup, max_negatives: int, rng: random.Random, hard_first: Sequence[int] = ()
            ) -> ReaderGroup:
    """The group with every positive and at most `max_negatives` negatives: `hard_first` ones, then random."""
    positives = [i for i, y in enumerate(group.labels) if y]
    negatives = [i for i, y in enumerate(group.labels) if not y]
    hard = [i for i in hard_first if i in set(negatives)]
    rest = [i for i in negatives if i not in set(hard)]
    rng.shuffle(rest)
    keep = sorted(positives + (hard + rest)[:max_negatives])
    return ReaderGroup(group.source, group.key, group.question, tuple(group.candidates[i] for i in keep),
                       tuple(group.labels[i] for i in keep))


def squad_groups(max_negatives: int, seed: int = 0) -> list[ReaderGroup]:
    rng = random.Random(seed)
    out = []
    for para in load_squad2():
        spans = sentence_spans(para.context)
        sentences = tuple(ReaderInput(s.of(para.context), para.title.replace("_", " ")) for s in spans)
        if len(sentences) < 2:
            continue

        for qa in para.qas:
            marks = qa.answers if qa.answerable else qa.plausible_answers
            hits = [n for a in marks for n, s in enumerate(spans) if s.start <= a.start < s.end]
            labels = tuple(int(qa.answerable and n in hits) for n in range(len(sentences)))
            if qa.answerable and not any(labels):
                continue  # the answer straddles our sentence boundary
            group = ReaderGroup("squad2", para.title, qa.question, sentences, labels)
            out.append(bounded(group, max_negatives, rng, hard_first=hits))
    return out


def selqa_groups(max_negatives: int, seed: int = 0) -> list[ReaderGroup]:
    rng = random.Random(seed)
    out = []
    for q in load_selqa():
        keep = [n for n, s in enumerate(q.sentences) if s.strip()]
        cands = tuple(ReaderInput(q.sentences[n], q.title.replace("_", " ")) for n in keep)
        labels = tuple(int(n in q.answers) for n in keep)
        if any(labels):
            out.append(bounded(ReaderGroup("selqa", q.title, q.question, cands, labels), max_negatives, rng))
    return out


def split_general(groups: Iterable[ReaderGroup]) -> tuple[list[ReaderGroup], list[ReaderGroup]]:
    """(train, validation) by a hash of each group's article title."""
    train: list[ReaderGroup] = []
    valid: list[ReaderGroup] = []
    for g in groups:
        (valid if held_out(g.key) else train).append(g)
    return train, valid
