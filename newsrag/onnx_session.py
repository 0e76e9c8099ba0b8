"""The one way this project opens an ONNX model: onnxruntime on CPU, with its graph optimisations.

The query path's two models (the reader, `rag/answering/sentence_reader.py`, and the query
embedder, `index/onnx_embedder.py`) and the bench that times them open their sessions here,
so thread counts and optimisation level are decided once.

Deliberately left out: GPU providers (the product runs on CPU; identical results everywhere).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # onnxruntime loads with the first session
    from onnxruntime import InferenceSession


def cpu_session(model: Path, threads: int, spin: bool = False) -> InferenceSession:
    """A session on `threads` intra-op threads and one inter-op thread.

    Idle threads sleep instead of spinning (`spin=False`, onnxruntime spins by default): a
    spinning second thread wins when the machine is idle but fights the other process for
    its core when one holds it, and the query path runs beside indexing, tests and training.
    Measured by `python -m bench.query_runtime_bench` (2026-12-07): the reader over four
    sentences on two sleeping threads took 0.64 of one thread's time idle and 0.75 beside a
    CPU-bound process, where two spinning threads took 0.60 and 1.01."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
