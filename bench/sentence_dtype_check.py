"""What storing sentence vectors as float16 costs in quality: a one-off measurement script.

Indexes the seeds twice with the real model, once with the manifest writing float32 sentence
vectors (as before) and once float16 (`index.manifest.SENTENCE_VECTOR_DTYPE`), then reports
the cosine between each float32 vector and its float16 copy, the largest change of a gold
question's score against any sentence, and runs the seeds' gold set through the default
product configuration ("hybrid+offline") on both indexes: answers whose text, citations or
short answer differ, and answer accuracy both ways.

    .venv/bin/python -m bench.sentence_dtype_check

Deliberately left out: speed (reading is dominated by SQLite, not by the cast) and other
configurations (the LLM answerer does not read sentence vectors).
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

import index.manifest as manifest_module
from evals.configs import resolve_configs
from evals.gold import SEEDS_QA_PATH, load_gold
from evals.metrics import summarize
from evals.runner import SEEDS_DIR, _assistant, build_workspace, score_answer
from index.embedder import load_index_embedder
from newsrag.offline import configure_offline
from newsrag.settings import Settings
from newsrag.types import AskOptions


def _all_vectors(manifest_path: Path, dimension: int) -> np.ndarray:
    conn = sqlite3.connect(f"file:{manifest_path}?mode=ro", uri=True)
    try:
        blobs = [b for (b,) in conn.execute("SELECT vector FROM sentences ORDER BY chunk_id, ordinal")]
    finally:
        conn.close()
    return manifest_module.decode_sentence_vectors(blobs, dimension)


def main() -> None:
    configure_offline()  # tokenizer and model files from the package, never the network
    settings = Settings()
    embedder = load_index_embedder(settings)
    gold = load_gold(SEEDS_QA_PATH)
    (config,) = resolve_configs(["hybrid+offline"], settings)
    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="sentence-dtype-") as tmp:
        for name, dtype in (("float32", np.float32), ("float16", np.float16)):
            manifest_module.SENTENCE_VECTOR_DTYPE = dtype  # type: ignore[assignment]  # the old writer, for comparison
            ws, _, _ = build_workspace(settings, gold.items, SEEDS_DIR, Path(tmp) / name, embedder)
            vectors = _all_vectors(ws.settings.manifest_path, embedder.dimension)
            assistant = _assistant(config, ws)
            answers, scores = {}, []
            for ctx in ws.contexts:
                answer = assistant.ask(ctx.item.question, ctx.item.history, AskOptions(answerer=config.answerer))
                total = sum(1 for c in ws.chunks if ctx.relevant(c)) if ctx.item.answerable else None
                scores.append(score_answer(ctx, answer, total, 0.0))
                answers[ctx.item.id] = (answer.text, answer.short, answer.refused,
                                        tuple((c.chunk_id, c.start, c.end) for c in answer.citations))
            runs[name] = {"vectors": vectors, "answers": answers, "summary": summarize(scores)}
        manifest_module.SENTENCE_VECTOR_DTYPE = np.float16
    v32, v16 = runs["float32"]["vectors"], runs["float16"]["vectors"]
    rounded = v32.astype(np.float16).astype(np.float32)
    assert np.allclose(v16, rounded / np.linalg.norm(rounded, axis=1, keepdims=True)), "same model, same sentences"
    cos = (v32 * v16).sum(axis=1) / (np.linalg.norm(v32, axis=1) * np.linalg.norm(v16, axis=1))
    queries = np.stack([np.asarray(embedder.embed_query(i.question), dtype=np.float32) for i in gold.items])
    score_change = np.abs(queries @ v32.T - queries @ v16.T)
    a32, a16 = runs["float32"]["answers"], runs["float16"]["answers"]
    changed = sorted(k for k in a32 if a32[k] != a16[k])
    print(json.dumps({
        "sentences": len(v32),
        "bytes_per_vector": {"float32": 4 * embedder.dimension, "float16": 2 * embedder.dimension},
        "cosine_min": float(cos.min()), "cosine_mean": float(cos.mean()),
        "max_abs_question_sentence_score_change": float(score_change.max()),
        "questions": len(a32),
        "answers_changed": len(changed), "changed_ids": changed,
        "text_changed": sum(a32[k][0] != a16[k][0] for k in a32),
        "citations_changed": sum(a32[k][3] != a16[k][3] for k in a32),
        "answer_accuracy": {n: runs[n]["summary"].answer_accuracy for n in runs},
    }, indent=2))


if __name__ == "__main__":
    main()
