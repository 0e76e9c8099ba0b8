"""One contract for every sentence reader, and the ONNX reader's refusal of an incomplete folder.

A reader gives one finite float logit per candidate, in order, nothing for nothing, the
same logits for the same input, and scores a sentence that gives the asked detail above
one on another subject. The packaged trained reader and the fake both pass it.
"""

from __future__ import annotations

import numpy as np
import pytest

from newsrag.errors import ConfigError
from rag.answering.sentence_reader import OnnxSentenceReader, ReaderInput, SentenceReader, load_sentence_reader
from tests.fakes import OverlapSentenceReader

QUESTION = "How long is the documentary about the river dolphins?"
LEAD = ReaderInput("A documentary about river dolphins will open the festival in Lisbon next week.",
                   "Festival to open with dolphin film")
DETAIL = ReaderInput("The documentary about the river dolphins runs for 94 minutes.",
                     "Festival to open with dolphin film")
OFF = ReaderInput("Grain prices rose sharply after the harvest failed.", "Harvest fails")


@pytest.fixture(params=["packaged", "fake"])
def reader(request) -> SentenceReader:
    if request.param == "packaged":
        return load_sentence_reader(None, 1)
    return OverlapSentenceReader()


def test_one_finite_logit_per_candidate_in_order(reader):
    logits = reader.logits(QUESTION, [OFF, DETAIL, LEAD])
    assert logits.shape == (3,) and logits.dtype == np.float64 and np.isfinite(logits).all()
    single = [reader.logits(QUESTION, [c])[0] for c in (OFF, DETAIL, LEAD)]
    np.testing.assert_allclose(logits, single, atol=1e-3)  # batching and padding change nothing


def test_nothing_in_nothing_out(reader):
    assert reader.logits(QUESTION, []).shape == (0,)


def test_same_input_same_logits(reader):
    np.testing.assert_array_equal(reader.logits(QUESTION, [DETAIL, OFF]), reader.logits(QUESTION, [DETAIL, OFF]))


def test_the_answering_sentence_beats_another_subject(reader):
    detail, off = reader.logits(QUESTION, [DETAIL, OFF])
    assert detail > off


def test_an_incomplete_reader_folder_names_the_fix(tmp_path):
    (tmp_path / "tokenizer.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="reader.onnx.*manifest.json"):
        OnnxSentenceReader(tmp_path, threads=1)


def test_the_packaged_reader_prefers_the_asked_detail_to_the_lead_that_names_the_story():
    # The failure shape of the feature scorer alone (issue 22): the lead sentence shares the
    # story's words; only the detail sentence gives the running time that was asked.
    lead, detail = load_sentence_reader(None, 1).logits(QUESTION, [LEAD, DETAIL])
    assert detail > lead
