"""Evaluation metrics as pure functions over plain values (doctest-able).

Retrieval: hit@k, reciprocal rank, nDCG@k over a ranked list of relevance flags, where a
passage is relevant when its text contains a gold evidence string (whitespace, quotes and
case normalised) or its article offsets cover at least half of the evidence span.
Answers: normalised containment of any accepted answer, SQuAD token F1 against the best
accepted answer. Citations: precision (a citation is good when its passage contains gold
evidence or a sentence citing it passes the support check) and ALCE-style recall (share of
answer sentences that cite something and pass the check); faithfulness (share of answer
sentences that pass the check). Refusals: precision/recall of "refused" against the
unanswerable items. Latency: percentiles with linear interpolation.

Undefined values (a ratio over nothing, e.g. refusal precision when nothing was refused)
are None, never 0, so a report can say "n/a" instead of a misleading number.

Deliberately left out: turning an `Answer` into these inputs (`evals/runner.py`) and LLM
judging (`evals/runner.py` records the judge's verdicts; they are aggregated here).
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from newsrag.text import normalize

_CITATION_MARK = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
_DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d{3}\b)")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = re.compile("[" + re.escape(string.punctuation + "“”‘’–—…") + "]")


# --------------------------------------------------------------------------- answers


def normalize_answer(text: str) -> str:
    """SQuAD-style normal form: no citation markers, lower case, no punctuation/articles.

    Thousands separators are dropped first so "1,500" and "1500" agree; other
    punctuation becomes a space so "three-day" is "three day".

    >>> normalize_answer("The 1,500-kilometer border [2].")
    '1500 kilometer border'
    """
    text = _CITATION_MARK.sub(" ", text)
    text = _DIGIT_COMMA.sub("", normalize(text))
    text = _PUNCT.sub(" ", text)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def answer_correct(answer_text: str, accepted: Sequence[str]) -> bool:
    """Whether any accepted answer occurs, as a whole-token run, in the normalised answer.

    >>> answer_correct("It ended 45 days after the warning [1].", ["45 days"])
    True
    >>> answer_correct("It ended 145 days later.", ["45"])
    False
    >>> answer_correct("", ["45"])
    False
    """
    padded = f" {normalize_answer(answer_text)} "
    for variant in accepted:
        norm = normalize_answer(variant)
        if norm and f" {norm} " in padded:
            return True
    return False


def token_f1(answer_text: str, accepted: Sequence[str]) -> float:
    """SQuAD token F1 of the answer against the best-matching accepted answer (0..1).

    >>> round(token_f1("the deadline was September 19", ["September 19"]), 3)
    0.667
    >>> token_f1("", ["September 19"])
    0.0
    """
    pred = normalize_answer(answer_text).split()
    best = 0.0
    for variant in accepted:
        gold = normalize_answer(variant).split()
        if not pred or not gold:
            continue
        common = sum((Counter(pred) & Counter(gold)).values())
        if common == 0:
            continue
        precision, recall = common / len(pred), common / len(gold)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


# --------------------------------------------------------------------------- relevance


def normalize_passage(text: str) -> str:
    """Case, typographic quotes, accents and whitespace folded, for evidence matching.

    >>> normalize_passage("Iran’s   “red line”\\n")
    'iran\\'s "red line"'
    """
    return " ".join(normalize(text).split())


def contains_evidence(passage_text: str, evidence_texts: Iterable[str]) -> bool:
    """Whether the passage contains any of the evidence strings (normalised).

    >>> contains_evidence("Iran set a deadline.  It ended.", ["set a  deadline."])
    True
    """
    hay = normalize_passage(passage_text)
    return any((needle := normalize_passage(ev)) and needle in hay for ev in evidence_texts)


def covers_span(start: int, end: int, ev_start: int, ev_end: int, min_fraction: float = 0.5) -> bool:
    """Whether [start, end) covers at least `min_fraction` of the evidence span [ev_start, ev_end).

    A chunk that holds half of an evidence sentence counts as relevant: chunk
    boundaries may cut a long sentence, and the reader still sees the fact.

    >>> covers_span(0, 100, 90, 110), covers_span(0, 100, 95, 115)
    (True, False)
    """
    length = ev_end - ev_start
    if length <= 0:
        return False
    overlap = min(end, ev_end) - max(start, ev_start)
    return overlap >= min_fraction * length


# --------------------------------------------------------------------------- ranking


def hit_at_k(relevance: Sequence[bool], k: int) -> float:
    """1.0 when a relevant passage is among the first k, else 0.0.

    >>> hit_at_k([False, True], 1), hit_at_k([False, True], 2), hit_at_k([], 5)
    (0.0, 1.0, 0.0)
    """
    return 1.0 if any(relevance[:k]) else 0.0


def reciprocal_rank(relevance: Sequence[bool]) -> float:
    """1 / rank of the first relevant passage (0.0 when none is relevant).

    >>> reciprocal_rank([False, False, True]), reciprocal_rank([])
    (0.3333333333333333, 0.0)
    """
    for rank, relevant in enumerate(relevance, 1):
        if relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(relevance: Sequence[bool], k: int = 10, total_relevant: int | None = None) -> float:
    """Binary-gain nDCG@k; the ideal list puts min(k, total_relevant) relevant passages first.

    `total_relevant` is how many chunks of the whole index are relevant (defaults to the
    number of relevant passages retrieved, which only measures ordering).

    >>> ndcg_at_k([True, False]), ndcg_at_k([False, True], total_relevant=1)
    (1.0, 0.6309297535714575)
    >>> ndcg_at_k([False, True], total_relevant=2) < ndcg_at_k([False, True], total_relevant=1)
    True
    >>> ndcg_at_k([])
    0.0
    """
    dcg = sum(1.0 / math.log2(i + 2) for i, rel in enumerate(relevance[:k]) if rel)
    n_ideal = sum(bool(r) for r in relevance) if total_relevant is None else total_relevant
    n_ideal = min(k, max(n_ideal, sum(bool(r) for r in relevance[:k])))
    idcg = sum(1.0 / math.log2(i + 2) for i in range(n_ideal))
    return dcg / idcg if idcg > 0 else 0.0


# --------------------------------------------------------------------------- citations


def citation_precision(citation_ok: Sequence[bool]) -> float | None:
    """Share of an answer's citations that are good (None for an answer citing nothing).

    >>> citation_precision([True, True, False]), citation_precision([])
    (0.6666666666666666, None)
    """
    return sum(citation_ok) / len(citation_ok) if citation_ok else None


def citation_recall(sentence_cites: Sequence[int], sentence_supported: Sequence[bool]) -> float | None:
    """ALCE-style: share of answer sentences that cite at least one passage and are supported.

    `sentence_cites[i]` is how many citations sentence i has. None for an empty answer.

    >>> citation_recall([1, 0, 2], [True, True, False]), citation_recall([], [])
    (0.3333333333333333, None)
    """
    if not sentence_cites:
        return None
    good = sum(1 for n, ok in zip(sentence_cites, sentence_supported, strict=True) if n > 0 and ok)
    return good / len(sentence_cites)


def faithfulness(sentence_supported: Sequence[bool]) -> float | None:
    """Share of answer sentences that pass the support check (None for an empty answer).

    >>> faithfulness([True, False]), faithfulness([])
    (0.5, None)
    """
    return sum(sentence_supported) / len(sentence_supported) if sentence_supported else None


# --------------------------------------------------------------------------- refusals


def refusal_precision(refused: Sequence[bool], answerable: Sequence[bool]) -> float | None:
    """Of the questions refused, the share that were really unanswerable (None if none refused).

    >>> refusal_precision([True, True, False], [False, True, True])
    0.5
    >>> refusal_precision([False], [False]) is None
    True
    """
    pairs = [(r, a) for r, a in zip(refused, answerable, strict=True) if r]
    return sum(1 for _, a in pairs if not a) / len(pairs) if pairs else None


def refusal_recall(refused: Sequence[bool], answerable: Sequence[bool]) -> float | None:
    """Of the unanswerable questions, the share refused (None if the set has none).

    >>> refusal_recall([True, False, True], [False, False, True])
    0.5
    >>> refusal_recall([True], [True]) is None
    True
    """
    pairs = [(r, a) for r, a in zip(refused, answerable, strict=True) if not a]
    return sum(1 for r, _ in pairs if r) / len(pairs) if pairs else None


# --------------------------------------------------------------------------- aggregation


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values (None when there are none).

    >>> mean([1.0, None, 0.0]), mean([None])
    (0.5, None)
    """
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """q-th percentile (0..100) with linear interpolation, like numpy's default.

    >>> percentile([10, 20, 30, 40], 50), percentile([10, 20, 30, 40], 95), percentile([], 50)
    (25.0, 38.5, None)
    """
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(pos), math.ceil(pos)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (pos - low))


# --------------------------------------------------------------------------- per question


@dataclass(frozen=True)
class QuestionScore:
    """What one configuration did on one question, reduced to what the metrics need."""

    item_id: str
    category: str
    answerable: bool
    question: str
    expected: str  # accepted answers joined, or "(should refuse)"
    retrieval_measured: bool = False  # relevance below is meaningful (even when empty)
    relevance: tuple[bool, ...] = ()  # ranked retrieved passages: relevant or not
    total_relevant: int | None = None  # relevant chunks in the whole index (for nDCG)
    answered: bool = False  # False for retrieval-only configurations
    got: str = ""  # the answer text as shown
    refused: bool = False
    correct: bool | None = None  # None for unanswerable items / retrieval-only configurations
    f1: float | None = None
    citation_ok: tuple[bool, ...] = ()  # one flag per citation
    sentence_cites: tuple[int, ...] = ()  # citations per answer sentence
    sentence_supported: tuple[bool, ...] = ()  # support-check verdict per answer sentence
    cited_passage: str = ""  # first cited quote, for the failures table
    latency_ms: float | None = None
    answerer: str = ""  # Answer.answerer: "offline" or the LLM's name
    notes: tuple[str, ...] = ()  # Answer.notes, e.g. LLM fallbacks
    judge_correct: bool | None = None  # None = not judged or the judgement failed
    judge_faithful: bool | None = None
    judge_failed: bool = False  # a judge call failed or was unparseable (counted, never dropped)
    error: str = ""  # a product error raised for this question (InputError etc.)

    @property
    def failed(self) -> bool:
        """Worth a row in the failures table."""
        if self.error:
            return True
        if not self.answered:
            return self.answerable and not any(self.relevance[:5])
        if not self.answerable:
            return not self.refused
        return not self.correct


@dataclass(frozen=True)
class MetricSummary:
    """Aggregates over one configuration's questions; None = not measured / not defined."""

    questions: int
    answerable: int
    unanswerable: int
    hit_at_1: float | None = None
    hit_at_3: float | None = None
    hit_at_5: float | None = None
    hit_at_10: float | None = None
    mrr: float | None = None
    ndcg_at_10: float | None = None
    answer_accuracy: float | None = None
    token_f1: float | None = None
    citation_precision: float | None = None
    citation_recall: float | None = None
    faithfulness: float | None = None
    refusal_precision: float | None = None
    refusal_recall: float | None = None
    false_refusal_rate: float | None = None  # answerable questions refused
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    judge_correctness: float | None = None
    judge_faithfulness: float | None = None
    judge_failures: int = 0
    errors: int = 0


def summarize(scores: Sequence[QuestionScore]) -> MetricSummary:
    """Aggregate per-question scores (macro averages over questions/answers)."""
    answerable = [s for s in scores if s.answerable]
    retrieval = [s for s in answerable if s.retrieval_measured]
    answered = [s for s in scores if s.answered]
    answered_ok = [s for s in answered if s.answerable]
    kept = [s for s in answered if not s.refused]  # refusals have no claims to cite
    judged_any = any(s.judge_correct is not None or s.judge_failed for s in scores)

    def over(rows: Sequence[QuestionScore], fn: Callable[[QuestionScore], float | None]) -> float | None:
        return mean(fn(s) for s in rows) if rows else None

    latencies = [s.latency_ms for s in scores if s.latency_ms is not None]
    return MetricSummary(
        questions=len(scores),
        answerable=len(answerable),
        unanswerable=len(scores) - len(answerable),
        hit_at_1=over(retrieval, lambda s: hit_at_k(s.relevance, 1)),
        hit_at_3=over(retrieval, lambda s: hit_at_k(s.relevance, 3)),
        hit_at_5=over(retrieval, lambda s: hit_at_k(s.relevance, 5)),
        hit_at_10=over(retrieval, lambda s: hit_at_k(s.relevance, 10)),
        mrr=over(retrieval, lambda s: reciprocal_rank(s.relevance)),
        ndcg_at_10=over(retrieval, lambda s: ndcg_at_k(s.relevance, 10, s.total_relevant)),
        answer_accuracy=over(answered_ok, lambda s: 1.0 if s.correct else 0.0),
        token_f1=over(answered_ok, lambda s: s.f1 or 0.0),
        citation_precision=over(kept, lambda s: citation_precision(s.citation_ok)),
        citation_recall=over(kept, lambda s: citation_recall(s.sentence_cites, s.sentence_supported)),
        faithfulness=over(kept, lambda s: faithfulness(s.sentence_supported)),
        refusal_precision=refusal_precision([s.refused for s in answered], [s.answerable for s in answered]),
        refusal_recall=refusal_recall([s.refused for s in answered], [s.answerable for s in answered]),
        false_refusal_rate=over(answered_ok, lambda s: 1.0 if s.refused else 0.0),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        judge_correctness=over([s for s in answered_ok if s.judge_correct is not None],
                               lambda s: 1.0 if s.judge_correct else 0.0)
        if judged_any else None,
        judge_faithfulness=over([s for s in kept if s.judge_faithful is not None],
                                lambda s: 1.0 if s.judge_faithful else 0.0)
        if judged_any else None,
        judge_failures=sum(1 for s in scores if s.judge_failed),
        errors=sum(1 for s in scores if s.error),
    )
