"""The query path's onnxruntime sessions: the thread count asked for, idle threads asleep."""

from __future__ import annotations

from newsrag.onnx_session import cpu_session
from newsrag.settings import Settings
from rag.answering.sentence_reader import MODEL_FILE, packaged_reader_dir

SPIN = "session.intra_op.allow_spinning"


def test_the_query_sessions_threads_sleep_when_idle_unless_asked_to_spin() -> None:
    threads = Settings().query_threads
    quiet = cpu_session(packaged_reader_dir() / MODEL_FILE, threads).get_session_options()
    assert quiet.intra_op_num_threads == threads
    assert quiet.inter_op_num_threads == 1
    assert quiet.get_session_config_entry(SPIN) == "0"
    spinning = cpu_session(packaged_reader_dir() / MODEL_FILE, 1, spin=True).get_session_options()
    assert spinning.get_session_config_entry(SPIN) == "1"
    assert spinning.intra_op_num_threads == 1
