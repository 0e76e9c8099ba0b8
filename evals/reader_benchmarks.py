"""Public test sets the reader never saw: CLAPNQ dev through the whole product, TrecQA TEST by MRR.

`python -m evals.reader_benchmarks [--out DIR]` (part of `make eval`):

- **CLAPNQ dev** (`evals/readerdata/clapnq_dev`: 300 answerable and 300 on-topic
  unanswerable questions about Wikipedia passages). Every distinct passage is indexed
  as an article (its sentences detokenised), and every question goes through retrieval
  and the offline answerers as a user's would (`evals/compare.run`). Reported: right
  sentence on the answerable half (a quoted sentence is, or lies inside, one of the
  annotators' gold sentences) and refusal on the unanswerable half, for the product,
  the frozen feature answerer and the top-3 baseline.
- **TrecQA TEST** (`evals/readerdata/trecqa_test`, the 68 "clean" questions with both
  answering and non-answering newswire sentences): the reader ranks each question's
  candidates alone (there is no retrieval here); reported as MRR and MAP, beside a
  ranking by MiniLM cosine similarity.

Both sets are test only: nothing is trained or tuned on them.

Deliberately left out: CLAPNQ's long-form answers (the product quotes sentences; it is
judged on which sentences it quotes).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from evals.compare import run, summarize
from evals.devset import build_index
from evals.gold import GoldEvidence, GoldItem
from evals.readerdata.load import load_clapnq, load_trecqa
from newsrag.offline import configure_offline
from newsrag.settings import Settings, load_settings
from rag.answering.sentence_reader import ReaderInput, SentenceReader, load_sentence_reader

READERDATA = Path(__file__).resolve().parent / "readerdata"


def _detokenizer() -> Callable[[list[str]], str]:
    # The one detokeniser of the Penn Treebank spacing both sets use lives in the TrecQA build script,
    # which runs on its own with the standard library; it is imported from there rather than copied.
    from evals.readerdata.trecqa_test.build import detokenize

    return detokenize


def clapnq_items(folder: Path) -> list[GoldItem]:
    """Write CLAPNQ's distinct passages as articles into `folder`; its questions as gold items."""
    detok = _detokenizer()
    folder.mkdir(parents=True, exist_ok=True)
    passages: dict[str, tuple[str, str]] = {}
    items = []
    for q in load_clapnq():
        sentences = [detok(s.split()) for s in q.sentences]
        passages.setdefault(" ".join(sentences), (q.title, "\n".join(sentences)))
        gold = tuple(GoldEvidence(sentences[i]) for i in q.gold_sentences)
        items.append(GoldItem(id=q.id, question=q.question, answerable=q.answerable,
                              answers=tuple(e.text for e in gold) if q.answerable else (),
                              evidence=gold if q.answerable else (), article=q.id,
                              types=("single",) if q.answerable else ("unanswerable",)))
    with open(folder / "clapnq.jsonl", "w", encoding="utf-8") as handle:
        for title, text in passages.values():
            handle.write(json.dumps({"title": title, "text": text, "source": "Wikipedia (CLAPNQ)"}) + "\n")
    return items


def clapnq(base: Settings, workspace: Path) -> dict[str, dict[str, float]]:
    settings = base.model_copy(update={"data_dir": workspace / "clapnq" / "data"})
    items = clapnq_items(workspace / "clapnq" / "articles")
    build_index(settings, workspace / "clapnq" / "articles")
    rows = run(settings, items)
    out = {}
    for name in sorted({r.answerer for r in rows}):
        s = summarize(name, [r for r in rows if r.answerer == name])
        out[name] = {"right_sentence_answerable": s.cited_right, "refusal_unanswerable": s.refusal_recall,
                     "false_refusal": s.false_refusal, "evidence_in_top_k": s.evidence_in_top_k,
                     "questions": s.questions}
    return out


def _ranks(scores: Sequence[np.ndarray], labels: Sequence[Sequence[int]]) -> dict[str, float]:
    rr, ap = [], []
    for z, y in zip(scores, labels, strict=True):
        order = np.argsort(-z, kind="stable")
        hits = [k for k, i in enumerate(order, start=1) if y[i]]
        rr.append(1.0 / hits[0])
        ap.append(float(np.mean([(n + 1) / k for n, k in enumerate(hits)])))
    return {"mrr": round(float(np.mean(rr)), 4), "map": round(float(np.mean(ap)), 4), "questions": len(rr)}


def trecqa(reader: SentenceReader, embed: Callable[[list[str]], np.ndarray]) -> dict[str, dict[str, float]]:
    questions = [q for q in load_trecqa() if q.clean]
    labels = [[c.label for c in q.candidates] for q in questions]
    reader_scores = [reader.logits(q.question, [ReaderInput(c.text) for c in q.candidates]) for q in questions]
    cosine = []
    for q in questions:
        vectors = embed([q.question, *[c.text for c in q.candidates]])
        cosine.append(vectors[1:] @ vectors[0])
    return {"reader": _ranks(reader_scores, labels), "minilm_cosine": _ranks(cosine, labels)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.reader_benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, default=None, help="where the CLAPNQ index lives")
    parser.add_argument("--out", type=Path, default=Path("reports/reader"))
    args = parser.parse_args(argv)
    configure_offline()
    base = load_settings()
    from index.embedder import load_index_embedder

    embedder = load_index_embedder(base)
    folder = None if base.sentence_reader in ("off", "packaged") else base.sentence_reader
    reader = load_sentence_reader(folder, base.query_threads)
    result = {"trecqa_test": trecqa(reader, lambda texts: embedder.embed_documents(texts)),
              "clapnq_dev": clapnq(base, args.workspace or base.data_dir / "benchmarks")}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "benchmarks.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
