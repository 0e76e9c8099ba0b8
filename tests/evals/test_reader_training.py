"""A few training steps of the reader on a tiny slice lower its loss on that slice (real MiniLM, torch)."""

from __future__ import annotations

import json

import numpy as np

from evals.reader.examples import squad_groups
from evals.reader.train import base_model_path, group_logits, train
from rag.answering.sentence_reader import load_tokenizer


def _bce(groups, logits) -> float:
    losses = []
    for g, z in zip(groups, logits, strict=True):
        y = np.array(g.labels, dtype=float)
        p = 1 / (1 + np.exp(-z))
        losses.extend(-(y * np.log(p + 1e-9) + (1 - y) * np.log(1 - p + 1e-9)))
    return float(np.mean(losses))


def test_a_few_steps_lower_the_loss_on_their_slice(tmp_path):
    from transformers import AutoModelForSequenceClassification

    groups = squad_groups(max_negatives=2)[:12]
    base = base_model_path()
    before = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
    torch_seeded = _bce(groups, group_logits(before, load_tokenizer(f"{base}/tokenizer.json"), groups, "cpu"))
    log = train(groups, groups[:4], base, tmp_path / "ckpt", lr=1e-4, batch=8, epochs=4, seed=13, device="cpu",
                eval_every=1000, phase="test", bf16=False, extra_log={})
    after = AutoModelForSequenceClassification.from_pretrained(tmp_path / "ckpt")
    trained = _bce(groups, group_logits(after, load_tokenizer(tmp_path / "ckpt" / "tokenizer.json"), groups, "cpu"))
    assert trained < torch_seeded * 0.8, (torch_seeded, trained)
    saved = json.loads((tmp_path / "ckpt" / "train_log.json").read_text(encoding="utf-8"))
    assert saved["pairs"] == log["pairs"] == sum(len(g.candidates) for g in groups)
    assert saved["validation"], "the last step is always validated"


def test_a_news_group_reads_each_candidate_with_its_own_passage_title():
    from evals.fit import Example
    from evals.gold import GoldEvidence, GoldItem
    from evals.reader.news import group_of
    from rag.answering.sentence_features import FEATURES, Candidate, CandidateSet

    def cand(n: int, text: str) -> Candidate:
        return Candidate(n, f"c{n}", f"a{n}", 0, len(text), text, (0.0,) * len(FEATURES))

    cands = CandidateSet("Who runs the airline?", "person", (cand(2, "Jo Bloggs runs it."), cand(1, "It flies.")), ())
    item = GoldItem("q", "Who runs the airline?", True, ("Jo Bloggs",), (GoldEvidence("Jo Bloggs runs it."),),
                    article="a2")
    group = group_of(Example(item, cands, np.array([1, 0]), ("First title", "Second title")))
    assert [c.title for c in group.candidates] == ["Second title", "First title"]
    assert group.labels == (1, 0) and group.key == "a2"


def test_listwise_batches_keep_every_group_whole_and_once():
    import random

    from evals.reader.examples import ReaderGroup
    from evals.reader.train import group_batches
    from rag.answering.sentence_reader import ReaderInput

    sizes = [3, 5, 1, 8, 2, 4, 12, 6]
    groups = [ReaderGroup("news", f"a{i}", f"q{i}", tuple(ReaderInput(f"s{j}") for j in range(n)), (0,) * n)
              for i, n in enumerate(sizes)]
    batches = group_batches(groups, 10, random.Random(3))
    assert sorted(g for b in batches for g in b) == list(range(len(groups)))
    for b in batches:  # at most 10 pairs, unless one group alone is larger
        assert sum(sizes[g] for g in b) <= 10 or len(b) == 1


def test_listwise_loss_is_the_softmax_share_of_the_right_outcome():
    import torch

    from evals.reader.train import listwise_loss

    logits = torch.tensor([2.0, 0.0, -1.0, 1.0, 1.0])
    no_answer = torch.tensor(0.5)
    labels = [1.0, 0.0, 0.0, 0.0, 0.0]
    loss = listwise_loss(logits, [(0, 3), (3, 5)], labels, no_answer)
    answerable = -np.log(np.exp(2.0) / (np.exp(0.5) + np.exp(2.0) + np.exp(0.0) + np.exp(-1.0)))
    unanswerable = -np.log(np.exp(0.5) / (np.exp(0.5) + 2 * np.exp(1.0)))
    assert abs(float(loss) - (answerable + unanswerable) / 2) < 1e-5
    # Raising a negative above the answer costs more than leaving it below.
    worse = listwise_loss(torch.tensor([2.0, 3.0, -1.0]), [(0, 3)], labels[:3], no_answer)
    assert float(worse) > answerable
