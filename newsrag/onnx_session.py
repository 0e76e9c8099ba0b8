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


def cpu_session(model: Path, threads: int) -> InferenceSession:
    """A session on `threads` intra-op threads (1 for one query: on two cores a second thread
    costs more than it buys when another process holds a core) and one inter-op thread."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
