"""The offline answerer: quotes the passage sentences a fitted model finds most likely to answer.

No LLM is involved. For one question:

1. Every usable sentence of the retrieved passages is a candidate with a feature
   vector (`rag/answering/sentence_features.py`: question-to-sentence similarity from the
   sentence vectors `index/` stored, retrieval rank and score, IDF-weighted coverage,
   answer-kind match, the question's names and numbers, position, ...).
2. The fitted feature scorer (`rag/answering/sentence_scorer.py`, weights in `rag/models/`)
   ranks them. The trained sentence reader (`rag/answering/sentence_reader.py`) reads the
   question with the best few, and the fitted combination (`rag/answering/combined_scorer.py`)
   turns the feature score and the reader's logit into the probability that a sentence
   answers, and those into the confidence that quoting the best ones answers right.
   Without a reader (`OfflineAnswerer(sentence_reader=None)`, the evaluation's
   "features" configuration) the feature scorer's own probabilities and confidence decide.
3. Below the fitted refusal threshold for that confidence, it refuses, saying what
   was missing. A factoid question ("when", "how many", "who", "where") is answered
   by the best sentence with the short answer marked in it; an open question by up
   to `max_sentences` sentences that score close to the best, in article order.

Sentences are quoted verbatim with their exact spans, so every citation is a real
sentence of a real passage. Every number that makes a decision is fitted on data by
`evals/fit.py` and stored with the model; nothing here is tuned by hand to an article.
The few limits that are not fitted (when an extra sentence repeats a chosen one, how
many sentences an LLM is shown) are in `newsrag.tuning.AnsweringTuning`.

Deliberately left out: paraphrase and summarisation (the LLM answerer's job) and
synonyms beyond what the sentence vectors capture.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from newsrag.protocols import Answerer, Embedder
from newsrag.tuning import AnsweringTuning
from newsrag.types import Draft, DraftSentence, Evidence, Passage
from rag.answering.combined_scorer import CombinedScorer
from rag.answering.sentence_features import CandidateSet, build_candidates
from rag.answering.sentence_reader import ReaderInput, SentenceReader
from rag.answering.sentence_scorer import SentenceScorer
from rag.answering.short_answer import ShortAnswer, short_answer
from rag.retrieval.near_duplicates import containment, shingles
from rag.retrieval.sentence_source import SentenceSource

KIND_WANTED = {"when": "a date", "number": "a number", "duration": "a length of time", "amount": "an amount",
               "person": "a person's name", "who": "a name", "where": "a place"}


@dataclass(frozen=True)
class Scored:
    """A question's candidates with their probabilities (what evals/fit.py sweeps over)."""

    candidates: CandidateSet
    probabilities: np.ndarray  # one per candidate, same order
    confidence: float  # P(quoting the best sentences answers right): compared with the threshold
    reader_logits: np.ndarray | None = None  # one per candidate, NaN where the reader did not read it


def choose(scored: Scored, threshold: float, extra_share: float, max_sentences: int,
           repeat_containment: float = AnsweringTuning.repeat_containment) -> list[int]:
    """Indices of the candidates to quote, in reading order; [] means refuse."""
    probs = scored.probabilities
    if not len(probs) or scored.confidence < threshold:
        return []
    order = [int(i) for i in np.argsort(-probs, kind="stable")]
    best = order[0]
    chosen = [best]
    cands = scored.candidates.candidates
    if not scored.candidates.factoid:
        floor = extra_share * float(probs[best])
        kept = [shingles(cands[best].text)]
        for i in order[1:]:
            if len(chosen) >= max_sentences or probs[i] < floor:
                break
            mine = shingles(cands[i].text)
            if any(containment(mine, other) >= repeat_containment for other in kept):
                continue
            chosen.append(i)
            kept.append(mine)
    first_seen = {a: n for n, a in enumerate(dict.fromkeys(cands[i].article_id for i in chosen))}
    return sorted(chosen, key=lambda i: (first_seen[cands[i].article_id], cands[i].start))


class OfflineAnswerer(Answerer):
    """Extractive answerer (implements newsrag.protocols.Answerer); see the module docstring."""

    name = "offline"

    def __init__(self, *, scorer: SentenceScorer, sentences: SentenceSource, embedder: Embedder,
                 idf: Callable[[str], float] | None = None, refusal_threshold: float | None = None,
                 sentence_reader: SentenceReader | None = None, combiner: CombinedScorer | None = None,
                 tuning: AnsweringTuning = AnsweringTuning()) -> None:
        self.scorer = scorer
        self.tuning = tuning
        self.sentences = sentences
        self.embedder = embedder
        self.idf = idf
        self.combiner = combiner if sentence_reader is not None else None
        self.sentence_reader = sentence_reader if combiner is not None else None
        fitted = self.combiner.refusal_threshold if self.combiner else scorer.refusal_threshold
        self.refusal_threshold = fitted if refusal_threshold is None else refusal_threshold
        self.extra_share = self.combiner.extra_share if self.combiner else scorer.extra_share
        self.max_sentences = self.combiner.max_sentences if self.combiner else scorer.max_sentences

    def score(self, question: str, passages: Sequence[Passage], query_embedding: np.ndarray | None = None) -> Scored:
        if query_embedding is None:
            query_embedding = self.embedder.embed_query(question)
        stored = self.sentences.for_chunks([p.chunk for p in passages])
        cands = build_candidates(question, passages, stored, query_embedding, self.idf)
        matrix = cands.matrix()
        probs = self.scorer.probabilities(matrix)
        feature_confidence = self.scorer.confidence(matrix, probs, len(cands.missing_anchors))
        if self.sentence_reader is None or self.combiner is None or not len(probs):
            return Scored(cands, probs, feature_confidence)
        return read_and_combine(cands, [p.chunk.title for p in passages], self.scorer.sentence.logits(matrix),
                                feature_confidence, self.sentence_reader, self.combiner)

    def draft(
        self,
        question: str,
        passages: Sequence[Passage],
        on_token: Callable[[str], None] | None = None,
        *,
        evidence: Mapping[int, Sequence[str]] | None = None,  # unused: it reads every candidate itself
        query_embedding: np.ndarray | None = None,
    ) -> Draft:
        scored = self.score(question, passages, query_embedding)
        chosen = choose(scored, self.refusal_threshold, self.extra_share, self.max_sentences,
                        self.tuning.repeat_containment)
        if not chosen:
            return Draft((), True, (refusal_reason(scored, self.refusal_threshold),), confidence=scored.confidence)
        cands = scored.candidates.candidates
        sentences = tuple(
            DraftSentence(cands[i].text, (cands[i].passage_number,),
                          (Evidence(cands[i].passage_number, cands[i].start, cands[i].end),))
            for i in chosen
        )
        short = self._short(scored, chosen)
        if on_token is not None:
            for s in sentences:
                on_token(s.text + " ")
        return Draft(sentences, False, short=short.text if short else None, confidence=scored.confidence)

    def evidence_for_llm(self, question: str, passages: Sequence[Passage],
                         query_embedding: np.ndarray | None = None) -> dict[int, list[str]]:
        """The most probable candidate sentences (`tuning.llm_evidence_sentences` of them), by
        passage number, in article order."""
        scored = self.score(question, passages, query_embedding)
        cands = scored.candidates.candidates
        limit = self.tuning.llm_evidence_sentences
        top = sorted(np.argsort(-scored.probabilities, kind="stable")[:limit],
                     key=lambda i: (cands[i].passage_number, cands[i].start))
        out: dict[int, list[str]] = {}
        for i in top:
            out.setdefault(cands[i].passage_number, []).append(cands[i].text)
        return out

    @staticmethod
    def _short(scored: Scored, chosen: Sequence[int]) -> ShortAnswer | None:
        if not scored.candidates.factoid:
            return None
        best = max(chosen, key=lambda i: scored.probabilities[i])
        return short_answer(scored.candidates.question, scored.candidates.kind, scored.candidates.candidates[best].text)


def read_and_combine(cands: CandidateSet, titles: Sequence[str], feature_scores: np.ndarray,
                     feature_confidence: float, sentence_reader: SentenceReader, combiner: CombinedScorer) -> Scored:
    """The reader reads the feature scorer's best candidates; the combination scores them.

    `titles` are the passages' article titles, by passage number - 1; the candidates the
    reader does not read get probability 0 and a NaN logit.
    """
    top = np.argsort(-feature_scores, kind="stable")[:combiner.reader_candidates]
    chosen = [cands.candidates[int(i)] for i in top]
    logits = sentence_reader.logits(cands.question, [ReaderInput(c.text, titles[c.passage_number - 1])
                                                     for c in chosen])
    read_probs = combiner.probabilities(feature_scores[top], logits)
    probs = np.zeros(len(feature_scores))
    probs[top] = read_probs
    all_logits = np.full(len(feature_scores), np.nan)
    all_logits[top] = logits
    confidence = combiner.confidence(read_probs, logits, feature_confidence, len(cands.missing_anchors))
    return Scored(cands, probs, confidence, all_logits)


def refusal_reason(scored: Scored, threshold: float) -> str:
    """Why the offline answerer refused, in user terms."""
    cands = scored.candidates
    if not cands.candidates:
        return "no passages were retrieved"
    if cands.missing_anchors:
        return "no retrieved passage states " + ", ".join(repr(a) for a in cands.missing_anchors)
    wanted = KIND_WANTED.get(cands.kind)
    best = scored.confidence
    if wanted:
        return (f"no retrieved sentence clearly gives {wanted} for this question "
                f"(best {best:.2f}, needed {threshold:.2f})")
    return f"no retrieved sentence clearly answers this question (best {best:.2f}, needed {threshold:.2f})"
