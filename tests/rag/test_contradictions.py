"""rag/research/disputed_claims.py: the other side of a cited sentence, and claims reported with their denial.

The finder runs over the seeds behind the shared FakeIndexReader with a scripted detector
(the real rules detector ships with a threshold it never reaches: see
evals/disagreement/report.md), so what is tested here is the plumbing a conflict goes
through: the other side becomes a citation, both sides are labelled, nothing is shown for
no conflict. `is_disputed` is tested on real sentences from the seeds and the development data.
"""

from __future__ import annotations

import pytest

from newsrag.settings import Settings
from newsrag.types import Conflict, Statement
from rag.research.disputed_claims import disputed_citations, is_disputed, side_labels


@pytest.mark.parametrize("sentence", [
    "Media reports' claims of Iran’s plans for a ground operation against terrorist groups in the Kurdistan Region "
    "of Iraq were dismissed by Iran’s ambassador to Baghdad, Mohammad Kazem Al-e Sadeq during an interview with "
    "Iranian Al-Alam TV.",  # seeds/002
    "The Russian government dismissed the claim from Berlin as groundless.",  # Wikinews
    "Gebregzabiher, the UNHCR spokesperson in Ethiopia, denied the refugees’ claims.",  # Global Voices
])
def test_a_denied_claim_reported_in_one_sentence_is_disputed(sentence: str) -> None:
    assert is_disputed(sentence)


@pytest.mark.parametrize("sentence", [
    "The ambassador said the two countries would continue to cooperate on border security.",
    "Police said they had no further details.",  # a negation, no claim denied
    "The IRGC said it had targeted the positions of terrorist groups.",  # a claim, no denial
])
def test_a_plain_statement_is_not_disputed(sentence: str) -> None:
    assert not is_disputed(sentence)


def test_the_denying_side_is_labelled_the_denial() -> None:
    claim = "The newspaper said the commander threatened a ground operation."
    denial = "The ministry denied that the commander threatened a ground operation."
    assert side_labels("denial", claim, denial) == ("claim", "denial")
    assert side_labels("denial", denial, claim) == ("denial", "claim")
    assert side_labels("figure", "345 pilgrims died.", "363 pilgrims died.") == ("figure", "figure")


class ScriptedDetector:
    """A ConflictDetector that finds a conflict exactly when `other` contains `marker`."""

    name = "scripted"

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self.calls = 0

    def conflict(self, a: Statement, b: Statement) -> Conflict | None:
        self.calls += 1
        return Conflict("denial", 0.95, "rules") if self.marker in b.text else None


@pytest.fixture
def assistant(tmp_path, fake_reader):
    from rag.assistant import Assistant
    from rag.checking.support_checker import SupportChecker

    built = Assistant.from_settings(Settings(data_dir=tmp_path / "data"), embedder=fake_reader.embedder,
                                    reader=fake_reader, chat_model=None, checker=SupportChecker(embedder=None))
    built._ready()
    return built


def _use(assistant, detector) -> None:
    from rag.research.disputed_claims import ContradictionFinder

    assistant._contradictions = ContradictionFinder(detector, assistant.offline_answerer.sentences)


def test_a_conflicting_retrieved_sentence_is_added_as_the_other_side(assistant) -> None:
    _use(assistant, ScriptedDetector("did not threaten"))
    answer = assistant.ask("What did the ambassador say about a ground operation in Iraq?")
    assert not answer.refused
    pair = next(d for d in answer.disagreements if d.kind == "denial")
    cited, other = pair.sides
    assert 1 <= cited.citation < other.citation <= len(answer.citations)  # the other side is appended
    assert "did not threaten" in answer.citations[other.citation - 1].quote
    assert {cited.label, other.label} == {"claim", "denial"}
    assert any("disagree" in n for n in answer.notes)
    assert answer.to_dict()["disagreements"][0]["kind"] in ("denial", "disputed")


def test_no_conflict_shows_no_disagreement_but_a_reported_denial_is_disputed(assistant) -> None:
    detector = ScriptedDetector("a marker no sentence has")
    _use(assistant, detector)
    answer = assistant.ask("What did the ambassador say about a ground operation in Iraq?")
    assert detector.calls > 0
    assert all(d.kind == "disputed" for d in answer.disagreements)
    disputed = disputed_citations(answer.citations)
    assert (disputed is not None) == bool(answer.disagreements)
    if disputed is not None:
        assert all(is_disputed(answer.citations[s.citation - 1].quote) for s in disputed.sides)


def test_a_refusal_has_no_disagreement(assistant) -> None:
    _use(assistant, ScriptedDetector(""))  # would call everything a conflict
    # The hash embedder's similarities are not the ones the answerer was fitted on, so the
    # refusal is forced here rather than left to the fitted confidence.
    assistant.offline_answerer.refusal_threshold = 1.0
    answer = assistant.ask("What is the capital of Australia?")
    assert answer.refused and answer.disagreements == ()
