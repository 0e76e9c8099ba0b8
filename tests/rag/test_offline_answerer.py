"""The offline extractive answerer: verbatim evidence sentences, anchors, refusals."""

from __future__ import annotations

import pytest

from rag.offline_answerer import OfflineAnswerer, score_candidates
from rag.retriever import HybridRetriever
from tests.rag.conftest import article_id_of


@pytest.fixture
def retriever(fake_reader):
    return HybridRetriever(fake_reader, fake_reader.embedder, top_k=6, candidate_k=30)


@pytest.fixture
def answerer(retriever):
    return OfflineAnswerer(idf=retriever.idf, refusal_threshold=0.45)


def _draft(retriever, answerer, q):
    passages = retriever.retrieve(q).passages
    return answerer.draft(q, passages), passages


def test_deadline_question_quotes_the_seed_003_sentence(retriever, answerer, seed_articles):
    draft, passages = _draft(retriever, answerer, "What was the September 19 deadline?")
    assert not draft.refused
    first = draft.sentences[0]
    assert first.text.startswith("Iraq conducted a series of operations")
    assert "set a deadline of September 19" in first.text
    (ev,) = first.evidence
    passage = passages[ev.passage_number - 1]
    assert passage.chunk.article_id == article_id_of(seed_articles, "003")
    article = next(a for a in seed_articles if a.id == passage.chunk.article_id)
    assert article.text[ev.start : ev.end] == first.text  # verbatim, article offsets
    assert first.cites == (ev.passage_number,)


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("What was the October 3 deadline?", "October 3"),
        ("How many people died in the Tripoli attack?", "number"),
        ("What is the capital of France?", "France"),
        ("Who won the football world cup?", "threshold"),
    ],
)
def test_refuses_when_the_evidence_does_not_answer(retriever, answerer, question, reason):
    draft, _ = _draft(retriever, answerer, question)
    assert draft.refused and draft.sentences == ()
    assert any(reason in n for n in draft.notes), draft.notes


def test_scores_are_normalised_and_exposed(retriever):
    q = "When did Iran and Iraq sign a security deal?"
    scores = score_candidates(q, retriever.retrieve(q).passages, retriever.idf)
    assert scores.kind == "when"
    assert all(0.0 <= c.score <= 1.0 for c in scores.candidates)
    assert scores.best is not None and "March 19" in scores.best.text


def test_answers_have_at_most_three_distinct_sentences(retriever, answerer):
    for q in ("What did Iran say about the border?", "What did the IRGC do against separatist groups?"):
        draft, _ = _draft(retriever, answerer, q)
        assert len(draft.sentences) <= 3
        texts = [s.text for s in draft.sentences]
        assert len(set(texts)) == len(texts)


def test_threshold_controls_refusal(retriever):
    q = "How far from the border did Iran tell ISIL to stay?"
    passages = retriever.retrieve(q).passages
    assert not OfflineAnswerer(idf=retriever.idf, refusal_threshold=0.2).draft(q, passages).refused
    assert OfflineAnswerer(idf=retriever.idf, refusal_threshold=0.99).draft(q, passages).refused


def test_no_passages_refuses(answerer):
    draft = answerer.draft("What was the September 19 deadline?", [])
    assert draft.refused and "no passages" in draft.notes[-1]


def test_who_is_question_takes_the_name_from_the_sentence_after_the_role(retriever, answerer):
    draft, _ = _draft(retriever, answerer, "Who is the Chief of Staff of the Iranian Armed Forces?")
    assert not draft.refused
    text = " ".join(s.text for s in draft.sentences)
    assert "Baqeri" in text
    # the role sentence is quoted as the lead-in, before the sentence that names him
    first, second = draft.sentences[0].text, draft.sentences[1].text
    assert first.startswith("The Chief of Staff of the Iranian Armed Forces") and "Baqeri" in second


def test_names_joined_by_or_are_alternatives(retriever, answerer):
    draft, _ = _draft(retriever, answerer, "Where in Iraq have Iranian forces fought ISIL or ISIS?")
    assert not draft.refused
    draft_both, _ = _draft(retriever, answerer, "Where in Iraq have Iranian forces fought ISIL and Hamas?")
    assert draft_both.refused  # "and" keeps both names required; Hamas is in no article


def test_how_much_is_answered_by_a_degree_not_only_a_number(retriever, answerer):
    draft, _ = _draft(retriever, answerer, "How much damage did the bombs outside the Iranian ambassador's residence cause?")
    assert not draft.refused
    assert "minor damage" in draft.sentences[0].text


def test_who_is_the_role_prefers_the_person_carrying_that_role(retriever, answerer):
    draft, _ = _draft(retriever, answerer, "Who is the army commander?")
    assert not draft.refused
    assert "army commander Brigadier General Ahmad Reza Pourdastan" in draft.sentences[0].text
