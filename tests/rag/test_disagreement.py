"""The conflict detectors: the fitted rules (rag/research/conflict_rules.py) and the NLI one
(rag/research/conflict_nli.py).

The sentences of the IRGC case are the seeds' (seeds/001_..., seeds/002_...); the
claim they answer, the Financial Times report, is only reported inside them, so it is
written out here as the report they describe. Vectors come from the packaged MiniLM run
in NumPy (the query embedder, a fraction of a second to load).
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from newsrag.types import Conflict, Statement
from rag.research.conflict_features import FEATURES, FIGURE_FEATURES, POLARITY_FEATURES, pair_features, read_side
from rag.research.conflict_nli import CONTRADICTION_THRESHOLD, NliConflictDetector, load_conflict_detector
from rag.research.conflict_rules import RulesConflictDetector, load_model, packaged_model_path
from tests.rag.test_checker import FakeNLI

CLAIM = ("The Financial Times reported that the IRGC Quds Force commander, General Qaani, threatened a ground "
         "operation in northern Iraq during his visit to Baghdad.")
DID_NOT = ('The sources confirmed that General Qaani "did not talk to Iraqi officials regarding the matter and did '
           'not threaten a ground or non-land invasion of northern Iraq."')
DISMISSED = ("Media reports' claims of Iran’s plans for a ground operation against terrorist groups in the Kurdistan "
             "Region of Iraq were dismissed by Iran’s ambassador to Baghdad, Mohammad Kazem Al-e Sadeq during an "
             "interview with Iranian Al-Alam TV.")
COMPATIBLE = ("Iran's ambassador to Baghdad said the commander of the Quds Force visited Iraq and met the three "
              "presidents.")
UNRELATED = "The refinery was liberated once before in November, but security forces failed to secure the area."
TOLL_12 = "Officials said 12 people were killed in the bombing of the market."
TOLL_15 = "Local media reported that 15 people were killed in the market bombing."
INJURED_40 = "The bombing of the market injured 40 people, local media reported."


@pytest.fixture(scope="module")
def embed():
    from index.embedder import load_query_embedder
    from newsrag.settings import load_settings

    embedder = load_query_embedder(load_settings())

    def statement(text: str, article: str) -> Statement:
        return Statement(text, article, np.asarray(embedder.embed_query(text)))

    return statement


@pytest.fixture(scope="module")
def detector() -> RulesConflictDetector:
    return RulesConflictDetector.load()


def test_model_file_loads_and_has_the_features_the_code_computes(detector) -> None:
    model = load_model()
    assert model.features == FEATURES and len(model.logistic.coef) == len(FEATURES)
    assert len(pair_features(Statement("a", "x"), Statement("b", "y"))) == len(FEATURES)
    assert set(FEATURES) >= FIGURE_FEATURES | POLARITY_FEATURES
    assert detector.name == "rules" and model.fitted_on
    record = json.loads(packaged_model_path().read_text(encoding="utf-8"))["record"]
    # The shipped threshold is the precision-target one, or "never" when the target was not reached.
    assert (model.threshold <= 1.0) == record["target_reached"]


def test_denial_of_the_irgc_report_ranks_above_compatible_and_unrelated(detector, embed) -> None:
    claim = embed(CLAIM, "ft")
    denials = [embed(DID_NOT, "001"), embed(DISMISSED, "002")]
    compatible, unrelated = embed(COMPATIBLE, "001"), embed(UNRELATED, "004")
    floor = max(detector.probability(claim, compatible), detector.probability(claim, unrelated))
    for denial in denials:
        assert detector.probability(claim, denial) > floor
        assert detector.probability(denial, claim) == pytest.approx(detector.probability(claim, denial))
        assert detector.model.kind(pair_features(claim, denial)) == "denial"


def test_conflict_is_reported_only_at_the_threshold(detector, embed) -> None:
    claim, denial = embed(CLAIM, "ft"), embed(DID_NOT, "001")
    p = detector.probability(claim, denial)
    at = RulesConflictDetector(dataclasses.replace(detector.model, threshold=p))
    assert at.conflict(claim, denial) == Conflict(kind="denial", probability=p, method="rules")
    above = RulesConflictDetector(dataclasses.replace(detector.model, threshold=p + 1e-6))
    assert above.conflict(claim, denial) is None
    if detector.model.threshold > 1.0:  # target not reached: the shipped detector shows nothing
        assert detector.conflict(claim, denial) is None


def test_different_tolls_for_one_event_are_a_figure_conflict(detector, embed) -> None:
    a, b, injured = embed(TOLL_12, "x1"), embed(TOLL_15, "x2"), embed(INJURED_40, "x2")
    row = pair_features(a, b)
    assert row[FEATURES.index("figure_clash")] == 1.0
    assert detector.model.kind(row) == "figure"
    # Different numbers for different things (killed vs injured) are no clash and score lower.
    assert pair_features(a, injured)[FEATURES.index("figure_clash")] == 0.0
    assert detector.probability(a, injured) < detector.probability(a, b)
    p = detector.probability(a, b)
    assert RulesConflictDetector(dataclasses.replace(detector.model, threshold=p)).conflict(a, b).kind == "figure"
    assert RulesConflictDetector(dataclasses.replace(detector.model, threshold=p)).conflict(a, injured) is None


def test_denial_verbs_need_a_claim_as_object() -> None:
    assert read_side("Iran denied the accusation.").denials == 1
    assert read_side("The charge was denied by his lawyer.").denials == 1
    assert read_side("Ghosn was denied release.").denials == 0
    assert read_side("He was dismissed from the cabinet.").denials == 0
    assert read_side("The reports are baseless, sources said.").denials == 1


class FakeContradiction(FakeNLI):
    """FakeNLI whose contradiction probability depends on the order of the pair."""

    def __init__(self, contradiction: dict[tuple[str, str], float]) -> None:
        super().__init__(0.0)
        self.contradiction = contradiction

    def predict(self, pairs, apply_softmax=False, **kwargs):
        self.calls.extend(pairs)
        rows = []
        for pair in pairs:
            c = self.contradiction.get(tuple(pair), 0.05)
            rows.append([c, (1 - c) / 2, (1 - c) / 2])
        return np.array(rows)


def test_nli_detector_takes_the_larger_order_and_its_threshold() -> None:
    a, b = Statement(CLAIM, "ft"), Statement(DID_NOT, "001")
    nli = NliConflictDetector(FakeContradiction({(DID_NOT, CLAIM): 0.95}))
    found = nli.conflict(a, b)
    assert found == Conflict(kind="denial", probability=pytest.approx(0.95), method="nli")
    assert nli.name == "nli" and len(nli.model.calls) == 2
    weak = NliConflictDetector(FakeContradiction({(CLAIM, DID_NOT): CONTRADICTION_THRESHOLD - 0.01}))
    assert weak.conflict(a, b) is None
    tolls = NliConflictDetector(FakeContradiction({(TOLL_12, TOLL_15): 0.9}))
    assert tolls.conflict(Statement(TOLL_12, "x1"), Statement(TOLL_15, "x2")).kind == "figure"


def test_load_conflict_detector_picks_rules_without_a_model() -> None:
    assert load_conflict_detector(None).name == "rules"
    assert load_conflict_detector("").name == "rules"
