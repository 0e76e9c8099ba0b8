"""The packaged reader is what its manifest says, and a broken package fails with a clear error."""

from __future__ import annotations

import json
import shutil

import pytest

from newsrag.errors import ConfigError
from rag.answering.combined_scorer import (
    COMBINER_FILE,
    QUESTION_FEATURES,
    SENTENCE_FEATURES,
    combiner_from_dict,
    load_combiner,
    load_reading,
)
from rag.answering.sentence_reader import (
    MANIFEST_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    OnnxSentenceReader,
    packaged_reader_dir,
    sha256_of,
)

MAX_BYTES = 50 * 1024 * 1024


def test_packaged_files_match_their_manifest():
    folder = packaged_reader_dir()
    manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    for name in (MODEL_FILE, TOKENIZER_FILE):
        assert sha256_of(folder / name) == manifest["files"][name], name
    assert (folder / MODEL_FILE).stat().st_size == manifest["bytes"] <= MAX_BYTES
    assert manifest["export_agreement"]["same_top_sentence"] >= 0.99, "the stored weights change no decision"
    assert manifest["rebuild"] == "make train-reader"
    phases = [p["phase"] for p in manifest["phases"]]
    assert phases == ["general", "news"]
    for phase in manifest["phases"]:
        assert phase["validation"], "every phase records its validation metrics"
    for path, digest in manifest["data"].items():
        assert len(digest) == 64, path


def test_packaged_combiner_loads_and_records_how_it_was_chosen():
    combiner = load_combiner()
    assert 1 <= combiner.reader_candidates <= 32
    assert 0.0 < combiner.refusal_threshold < 1.0
    record = json.loads((packaged_reader_dir() / COMBINER_FILE).read_text(encoding="utf-8"))["fitted_on"]
    assert record["validation_questions"] > 100 and record["chosen"]["read"] == combiner.reader_candidates
    assert {"features", "reader"} <= set(record["alone"])


def test_a_missing_model_file_names_the_fix(tmp_path):
    shutil.copytree(packaged_reader_dir(), tmp_path / "reader")
    (tmp_path / "reader" / MODEL_FILE).unlink()
    with pytest.raises(ConfigError, match="make train-reader"):
        OnnxSentenceReader(tmp_path / "reader", threads=1)


def test_a_combiner_with_other_features_is_refused():
    data = load_combiner().to_dict()
    with pytest.raises(ConfigError, match="refit"):
        combiner_from_dict({**data, "sentence_features": ["sim"]}, "test")
    with pytest.raises(ConfigError, match="version"):
        combiner_from_dict({**data, "version": 99}, "test")
    assert combiner_from_dict(data, "test").to_dict()["sentence_features"] == list(SENTENCE_FEATURES)
    assert data["question_features"] == list(QUESTION_FEATURES)


def test_reader_setting_off_packaged_or_a_folder(tmp_path):
    assert load_reading("off", 1) is None
    assert load_reading("packaged", 1) is not None
    with pytest.raises(ConfigError, match="NEWSRAG_SENTENCE_READER"):
        load_reading(str(tmp_path / "nowhere"), 1)


@pytest.mark.slow
def test_packaged_reader_reproduces_its_validation_metrics():
    from evals.reader.export import general_validation, packaged_metrics

    recorded = json.loads((packaged_reader_dir() / MANIFEST_FILE).read_text(encoding="utf-8"))["packaged_validation"]
    measured = packaged_metrics(packaged_reader_dir(), general_validation())
    assert measured["groups"] == recorded["groups"] and measured["answerable"] == recorded["answerable"]
    # Another CPU may sum in another order: the logits move in the last bits, the metrics barely.
    for metric in ("top1", "answerable_auc"):
        assert abs(measured[metric] - recorded[metric]) <= 0.005, metric
