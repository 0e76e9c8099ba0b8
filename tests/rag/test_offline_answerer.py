"""The offline answerer: fitted probabilities decide, sentences are quoted verbatim, refusals explain."""

from __future__ import annotations

import numpy as np
import pytest

from newsrag.tuning import RetrievalTuning
from rag.answering.offline_answerer import OfflineAnswerer, Scored, choose
from rag.answering.sentence_features import FEATURES, Candidate, CandidateSet
from rag.answering.sentence_scorer import QUESTION_FEATURES, Logistic, SentenceScorer, load_scorer
from rag.retrieval.hybrid_retriever import HybridRetriever
from rag.retrieval.sentence_source import SentenceSource
from tests.rag.conftest import article_id_of


@pytest.fixture
def retriever(fake_reader):
    return HybridRetriever(fake_reader, fake_reader.embedder, RetrievalTuning(top_k=6, candidate_k=30, rrf_k=60))


def _answerer(retriever, scorer=None, threshold=None):
    reader = retriever.reader
    return OfflineAnswerer(scorer=scorer or load_scorer(), sentences=SentenceSource(reader, retriever.embedder),
                           embedder=retriever.embedder, idf=retriever.idf, refusal_threshold=threshold)


def _scorer(weights: dict[str, float], threshold=0.5, extra_share=0.8, max_sentences=3) -> SentenceScorer:
    n, m = len(FEATURES), len(QUESTION_FEATURES)
    coef = np.array([weights.get(f, 0.0) for f in FEATURES])
    sentence = Logistic(np.zeros(n), np.ones(n), coef, 0.0)
    question = Logistic(np.zeros(m), np.ones(m), np.eye(m)[0] * 4.0, -2.0)  # confidence follows the best probability
    return SentenceScorer(FEATURES, sentence, question, threshold, extra_share, max_sentences)


def _set(kind: str, texts_probs: list[tuple[str, str, int, float]]) -> Scored:
    cands = tuple(Candidate(1, "c", article, start, start + len(text), text, (0.0,) * len(FEATURES))
                  for text, article, start, _ in texts_probs)
    probs = np.array([p for *_, p in texts_probs])
    return Scored(CandidateSet("q", kind, cands, ()), probs, float(probs.max()))


def test_factoid_question_takes_the_single_best_sentence():
    scored = _set("when", [("Alpha happened on May 2.", "a", 0, 0.9),
                           ("Beta followed later that week.", "a", 40, 0.85)])
    assert choose(scored, 0.5, 0.5, 3) == [0]


def test_open_question_takes_close_sentences_in_article_order_without_repeats():
    scored = _set("other", [
        ("Second point made by the minister about taxes.", "a", 100, 0.9),
        ("Schools will reopen in March, officials promised.", "a", 10, 0.8),
        ("Second point made by the minister about taxes again.", "a", 200, 0.85),  # repeats the best
        ("Unrelated weather remark.", "a", 300, 0.3),
    ])
    assert choose(scored, 0.5, 0.8, 3) == [1, 0]


def test_below_the_threshold_refuses():
    scored = _set("other", [("Something vaguely related.", "a", 0, 0.3)])
    assert choose(scored, 0.31, 0.8, 3) == []
    assert choose(scored, 0.29, 0.8, 3) == [0]


def test_deadline_question_quotes_the_seed_003_sentence_verbatim(retriever, seed_articles):
    q = "What was the September 19 deadline?"
    passages = retriever.retrieve(q, mode="hybrid").passages
    draft = _answerer(retriever).draft(q, passages)
    assert not draft.refused
    assert any("set a deadline of September 19" in s.text for s in draft.sentences)
    for s in draft.sentences:
        (ev,) = s.evidence
        passage = passages[ev.passage_number - 1]
        article = next(a for a in seed_articles if a.id == passage.chunk.article_id)
        assert article.text[ev.start : ev.end] == s.text  # verbatim, article offsets
        assert s.cites == (ev.passage_number,)
    first = next(s for s in draft.sentences if "September 19" in s.text)
    assert passages[first.evidence[0].passage_number - 1].chunk.article_id == article_id_of(seed_articles, "003")


def test_missing_date_refuses_and_names_it(retriever):
    q = "What was the October 3 deadline?"
    draft = _answerer(retriever).draft(q, retriever.retrieve(q, mode="hybrid").passages)
    assert draft.refused and draft.sentences == ()
    assert "October 3" in draft.notes[0]


def test_threshold_controls_refusal_and_confidence_is_reported(retriever):
    q = "How far from the border did Iran tell ISIL to stay?"
    passages = retriever.retrieve(q, mode="hybrid").passages
    low = _answerer(retriever, threshold=0.0).draft(q, passages)
    assert not low.refused and low.confidence is not None and 0.0 < low.confidence < 1.0
    high = _answerer(retriever, threshold=1.0).draft(q, passages)
    assert high.refused and high.confidence == low.confidence  # a refusal still says how sure it was


def test_factoid_answer_marks_the_short_answer_inside_the_sentence(retriever):
    q = "How far from the border did Iran tell ISIL to stay?"
    draft = _answerer(retriever, threshold=0.0).draft(q, retriever.retrieve(q, mode="hybrid").passages)
    assert draft.short is not None and draft.short in draft.sentences[0].text
    assert any(ch.isdigit() for ch in draft.short)


def test_answers_have_at_most_the_fitted_number_of_distinct_sentences(retriever):
    answerer = _answerer(retriever, threshold=0.0)
    for q in ("What did Iran say about the border?", "What did the IRGC do against separatist groups?"):
        draft = answerer.draft(q, retriever.retrieve(q, mode="hybrid").passages)
        texts = [s.text for s in draft.sentences]
        assert 1 <= len(texts) <= answerer.scorer.max_sentences and len(set(texts)) == len(texts)


def test_a_scorer_that_only_reads_similarity_follows_it(retriever):
    q = "What did Iran say about the border?"
    passages = retriever.retrieve(q, mode="hybrid").passages
    scored = _answerer(retriever, _scorer({"sim": 10.0})).score(q, passages)
    best = int(np.argmax(scored.probabilities))
    sims = [c.features[FEATURES.index("sim")] for c in scored.candidates.candidates]
    assert best == int(np.argmax(sims))


def test_no_passages_refuses(retriever):
    draft = _answerer(retriever).draft("What was the September 19 deadline?", [])
    assert draft.refused and "no passages" in draft.notes[-1]


def test_reader_reads_only_the_feature_scorers_best_and_the_combination_decides():
    """With a reader and a combination, only the top `reader_candidates` by feature score are read;
    the others get probability 0; the reader's logit can reorder the read ones."""
    import numpy as np

    from rag.answering.combined_scorer import QUESTION_FEATURES, SENTENCE_FEATURES, CombinedScorer
    from rag.answering.offline_answerer import read_and_combine
    from rag.answering.sentence_features import Candidate, CandidateSet
    from rag.answering.sentence_scorer import Logistic
    from tests.fakes import OverlapSentenceReader

    texts = ["The festival opens in Lisbon.", "The film about dolphins runs 94 minutes.", "Prices rose.", "Rain fell."]
    cands = CandidateSet("How many minutes does the dolphins film run?", "number",
                         tuple(Candidate(1, "c1", "a1", 0, len(t), t, ()) for t in texts), ())
    reader = OverlapSentenceReader()
    only_reader = Logistic(np.zeros(4), np.ones(4), np.array([0.0, 0.0, 1.0, 0.0]), 0.0)
    question = Logistic(np.zeros(len(QUESTION_FEATURES)), np.ones(len(QUESTION_FEATURES)),
                        np.array([0.0, 0.0, 1.0, 0.0, 0.0, 0.0]), 0.0)
    assert len(SENTENCE_FEATURES) == 4
    combiner = CombinedScorer(2, only_reader, question, 0.5, 0.9, 3)
    feature_scores = np.array([3.0, 2.0, 1.0, 0.0])  # the lead first: what the features alone would quote
    scored = read_and_combine(cands, ["Dolphin film"], feature_scores, 0.9, reader, combiner)
    assert reader.calls == [(cands.question, 2)]
    assert scored.probabilities[2] == scored.probabilities[3] == 0.0
    assert int(np.argmax(scored.probabilities)) == 1
    assert np.isnan(scored.reader_logits[2]) and not np.isnan(scored.reader_logits[1])
    assert 0.5 < scored.confidence < 1.0
