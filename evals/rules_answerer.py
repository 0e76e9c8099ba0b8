"""The hand-ruled offline answerer of version 0.1, kept only as a baseline for `evals/compare.py`.

The product no longer uses it (`rag/offline_answerer.py` replaced it with a fitted scorer);
it stays so that every comparison run shows the old figures beside the new ones.
Its docstring below describes it as it was.

---

The offline answerer: answers by quoting the passage sentences that answer the question.

No LLM is involved. Every retrieved passage is split into sentences with the product's
one splitter (`newsrag.text.sentence_spans`, offsets are article offsets because
`chunk.text == article.text[chunk.start:chunk.end]`), and each sentence is scored:

    score = (0.7 * coverage + 0.3 * similarity) * name_factor * role_factor      (0..1)

- coverage: the IDF-weighted share of the question's content terms the sentence
  states (demonyms match their country; terms only in the article title count half).
  IDF comes from the BM25 corpus, so a question word no article uses ("died") weighs
  most, and missing it costs most. A sentence may instead borrow 0.8 of the coverage of
  the sentence right before it (news names a role in one sentence and the person in the
  next); that lead-in sentence is then quoted before it.
- similarity: cosine between query and evidence: the passage's dense score for every
  sentence, refined by embedding only the top `rescore_top` sentences (embedding every
  sentence per query would blow the latency budget).
- name_factor: 0.85 when a name from the question is in the passage but not in the
  sentence itself (the sentence may say "he"), 1.0 otherwise.
- role_factor ("who is ...?" only): 0.85 to 1.0 by the share of the question's role
  words next to the sentence's new person name ("army commander ... Pourdastan").

Gates (a sentence failing one can never be the answer):
- every date and number in the question must be stated by the sentence
  (`rag.anchors.anchor_in`), every name (or one of names joined by "or") by its passage;
- the sentence must hold the kind of thing asked for (`question_kind` /
  `satisfies_kind`: a date or month for "when", a number for "how many", a number or a
  degree for "how much", a length of time for "how long", a person for "who is", a name
  for other "who" questions), not counting what the question already gave.

The best gated sentence answers; up to two more are added when they score close to it,
state question terms it lacks, and do not repeat it. The draft refuses when no sentence
passes the gates or the best score is below `refusal_threshold` (calibrated with
`evals/calibrate.py`). Sentences are quoted verbatim with their exact spans, so the
support checker verifies them by construction.

Deliberately left out: paraphrase and summarisation (that is the LLM answerer's job),
synonyms ("given" vs "supplied"), and any rule tuned to particular articles.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from newsrag.protocols import Embedder
from newsrag.text import content_terms, normalize, sentence_spans, term_variants, words
from newsrag.types import Chunk, Passage
from rag.anchors import (
    Anchor,
    anchor_in as _anchor_in,
    find_anchors,
    name_key,
    person_score,
    question_kind,
    role_match,
    satisfies_kind,
)
from rag.dedup import containment, shingles
from rag.draft import Draft, DraftSentence, Evidence

COVERAGE_WEIGHT = 0.7
SIMILARITY_WEIGHT = 0.3
NAME_ONLY_IN_PASSAGE = 0.85
# "Who is the army commander?": a sentence whose person carries the asked role next to the
# name ("army commander ... Pourdastan") beats one whose role words are elsewhere; the factor
# runs from this (no role word next to any new name) to 1.0 (all of them).
ROLE_AWAY_FROM_NAME = 0.85
TITLE_TERM_WEIGHT = 0.5
MAX_SENTENCES = 3
CLOSE_TO_BEST = 0.75  # an extra sentence must score at least this share of the best one
# A sentence may borrow this share of the coverage of the sentence just before it: news
# names the role in one sentence and the person in the next ("The Chief of Staff ... has
# urged ... . Major General X made the remarks ...").
LEAD_IN_SHARE = 0.8
_BORROWING_KINDS = frozenset({"person", "who", "when", "number", "duration", "amount", "where"})
# Words that shape a question but are not what it is about.
QUESTION_SCAFFOLD = frozenset(content_terms(
    "happen happened occur occurred mention mentioned describe describes explain "
    "article articles report reported know known"))
_TITLE_WORDS = frozenset("general gen brigadier major lieutenant colonel president minister commander ambassador "
                         "chief deputy senior mr mrs ms dr amb prime supreme leader spokesman spokeswoman".split())


@dataclass(frozen=True)
class _Sentence:
    """One sentence of a chunk with what scoring needs, computed once per chunk."""

    start: int  # article offsets
    end: int
    text: str
    terms: frozenset[str]
    anchors: tuple[Anchor, ...]


@dataclass(frozen=True)
class _ChunkInfo:
    sentences: tuple[_Sentence, ...]
    title_terms: frozenset[str]
    word_set: frozenset[str]  # passage + title words, hyphens split, for name look-ups


@dataclass(frozen=True)
class SentenceCandidate:
    passage_number: int  # 1-based into the passages given
    article_id: str
    start: int
    end: int
    text: str
    score: float  # 0..1, the number compared with settings.refusal_threshold
    coverage: float
    similarity: float
    gated: bool  # passed the anchor and answer-kind gates
    new_terms: frozenset[str]  # question terms this sentence (and its lead-in) states
    lead_in: tuple[int, int, str] | None = None  # the sentence before it whose coverage it borrowed


@dataclass(frozen=True)
class CandidateScores:
    """Every scored sentence (best first) and why the best gated one may not answer."""

    kind: str
    candidates: tuple[SentenceCandidate, ...]
    missing_anchors: tuple[str, ...]  # question anchors no candidate states

    @property
    def best(self) -> SentenceCandidate | None:
        return next((c for c in self.candidates if c.gated), None)

    @property
    def best_score(self) -> float:
        b = self.best
        return b.score if b else 0.0


def _word_set(text: str) -> frozenset[str]:
    norm = normalize(text)
    toks = re.findall(r"[\w']+", norm.replace("-", " ")) + re.findall(r"\w+(?:\.\w+)+", norm)  # "u.s"
    return frozenset(t[:-2] if t.endswith("'s") else t for t in toks)


@functools.lru_cache(maxsize=8192)
def _chunk_info(chunk: Chunk) -> _ChunkInfo:
    sentences = []
    title_norm = normalize(chunk.title).strip()
    for span in sentence_spans(chunk.text):
        text = span.of(chunk.text)
        if len(words(text)) < 4 or not text[0].isupper() and not text[0].isdigit() and text[0] not in "\"'“‘(":
            continue  # a heading fragment or a piece of a sentence cut at a chunk edge
        if normalize(text).strip() == title_norm:
            continue  # the headline repeated in the body is not evidence of anything new
        sentences.append(
            _Sentence(chunk.start + span.start, chunk.start + span.end, text,
                      frozenset(content_terms(text)), tuple(find_anchors(text)))
        )
    return _ChunkInfo(tuple(sentences), frozenset(content_terms(chunk.title)),
                      _word_set(f"{chunk.title}\n{chunk.text}"))


def name_mentioned(anchor: Anchor, word_set: frozenset[str]) -> bool:
    """Whether a name is mentioned, tolerating spelling variants of given names.

    The surname (last non-title word) must occur, and at least half of the name's words:
    "Mohammad Kazem Al-e Sadeq" is mentioned by "Muhammad Kazem Al-e Sadeq" and by "Al-e Sadeq".
    """
    toks = [w.removesuffix("'s") for w in name_key(anchor.text).split() if w not in _TITLE_WORDS]
    if not toks:
        return True
    if toks[-1] not in word_set:
        return False
    return sum(t in word_set for t in toks) * 2 >= len(toks) or len(toks) >= 3 and toks[-2] in word_set


def alternatives(question: str, names: Sequence[Anchor]) -> list[list[Anchor]]:
    """Question names grouped so that names joined by "or" count as one requirement:
    "Where have Iranian forces fought ISIL or ISIS?" needs ISIL or ISIS, not both."""
    groups: list[list[Anchor]] = []
    for a in names:
        if groups and re.fullmatch(r"\s*(,|or|/|,\s*or)\s*", question[groups[-1][-1].end : a.start], re.I):
            groups[-1].append(a)
        else:
            groups.append([a])
    return groups


def _role_factor(sent: _Sentence, question_keys: set[str], q_terms: Sequence[str]) -> float:
    """For "who is the <role>?": how well the sentence's best new person carries the role."""
    wanted = set(q_terms)  # "Who is the Iraqi Interior Minister?": the role words are also a name
    best = max((role_match(wanted, a, sent.text) for a in sent.anchors
                if a.kind == "name" and _is_new(a, question_keys) and person_score(a, sent.text) >= 1), default=0.0)
    return ROLE_AWAY_FROM_NAME + (1 - ROLE_AWAY_FROM_NAME) * best


def question_terms(question: str) -> list[str]:
    seen: list[str] = []
    for t in content_terms(question):
        if t not in QUESTION_SCAFFOLD and t not in seen:
            seen.append(t)
    return seen


def _is_new(anchor: Anchor, question_keys: set[str]) -> bool:
    """An anchor the question did not already give: for a name, one word that is neither a
    title nor in the question ("Who is Iran's ambassador?": "Iran" is not an answer,
    "Ambassador Al-e Sadeq" is)."""
    if anchor.key in question_keys:
        return False
    if anchor.kind != "name":
        return True
    return any(w not in _TITLE_WORDS and not (term_variants(w) & question_keys) for w in anchor.key.split())


def _answers_kind(kind: str, sent: _Sentence, question_keys: set[str]) -> bool:
    own = [a for a in sent.anchors if _is_new(a, question_keys)]
    return satisfies_kind(kind, own, sent.text)


def score_candidates(
    question: str,
    passages: Sequence[Passage],
    idf: Callable[[str], float] | None = None,
    embedder: Embedder | None = None,
    query_embedding: np.ndarray | None = None,
    rescore_top: int = 3,
) -> CandidateScores:
    """Score every sentence of `passages` against `question` (public so evals can calibrate)."""
    kind = question_kind(question)
    q_terms = question_terms(question)
    weights = {t: (idf(t) if idf else 1.0) for t in q_terms}
    total = sum(weights.values()) or 1.0
    q_anchors = find_anchors(question)
    hard = [a for a in q_anchors if a.kind in ("date", "number")]
    names = [a for a in q_anchors if a.kind == "name"]
    name_groups = alternatives(question, names)
    q_keys = {a.key for a in q_anchors} | {w for a in names for w in a.key.split()}
    variants = {t: term_variants(t) for t in q_terms}
    stated: set[str] = set()
    cands: list[SentenceCandidate] = []
    for number, p in enumerate(passages, start=1):
        info = _chunk_info(p.chunk)
        present = [a for a in names if name_mentioned(a, info.word_set)]
        names_in_passage = all(any(a in present for a in group) for group in name_groups)
        stated.update(a.key for a in present)
        passage_sim = max(0.0, min(1.0, p.dense_score)) if p.dense_score is not None else 0.0
        title_hits = {t for t in q_terms if variants[t] & info.title_terms}
        previous: tuple[_Sentence, frozenset[str], float] | None = None
        for s in info.sentences:
            anchors_ok = names_in_passage
            for a in hard:
                if _anchor_in(a, s.text, list(s.anchors)):
                    stated.add(a.key)
                else:
                    anchors_ok = False
            hit = frozenset(t for t in q_terms if variants[t] & s.terms)
            coverage = (sum(weights[t] for t in hit)
                        + TITLE_TERM_WEIGHT * sum(weights[t] for t in title_hits - hit)) / total
            own = (s, hit, coverage)
            lead_in = None
            if (kind in _BORROWING_KINDS and previous is not None and previous[0].end < s.start
                    and not p.chunk.text[previous[0].end - p.chunk.start : s.start - p.chunk.start].strip()
                    and LEAD_IN_SHARE * previous[2] > coverage):
                lead, lead_hit, lead_cov = previous
                lead_in = (lead.start, lead.end, lead.text)
                hit, coverage = hit | lead_hit, LEAD_IN_SHARE * lead_cov
            previous = own
            factor = _role_factor(s, q_keys, q_terms) if kind == "person" else 1.0
            mention_text = s.text if lead_in is None else f"{lead_in[2]} {s.text}"
            sentence_words = _word_set(mention_text)
            if names and not all(any(name_mentioned(a, sentence_words) for a in g) for g in name_groups):
                factor *= NAME_ONLY_IN_PASSAGE
            score = (COVERAGE_WEIGHT * coverage + SIMILARITY_WEIGHT * passage_sim) * factor
            gated = anchors_ok and _answers_kind(kind, s, q_keys)
            cands.append(SentenceCandidate(number, p.chunk.article_id, s.start, s.end, s.text, score,
                                           coverage, passage_sim, gated, hit, lead_in))
    cands.sort(key=lambda c: (-c.gated, -c.score, c.passage_number, c.start))
    if embedder is not None and query_embedding is not None and rescore_top > 0:
        cands = _rescore_with_embeddings(cands, embedder, query_embedding, rescore_top)
    missing = tuple(a.text for a in q_anchors if a.key not in stated)
    return CandidateScores(kind, tuple(cands), missing)


def _rescore_with_embeddings(
    cands: list[SentenceCandidate], embedder: Embedder, query_embedding: np.ndarray, top: int
) -> list[SentenceCandidate]:
    head = [c for c in cands if c.gated][:top]
    if not head:
        return cands
    vectors = embedder.embed_documents([c.text if c.lead_in is None else f"{c.lead_in[2]} {c.text}" for c in head])
    sims = np.clip(vectors @ np.asarray(query_embedding, dtype=np.float32), 0.0, 1.0)
    updated = {}
    for c, sim in zip(head, sims.tolist(), strict=True):
        factor = c.score / max(1e-9, COVERAGE_WEIGHT * c.coverage + SIMILARITY_WEIGHT * c.similarity)
        score = (COVERAGE_WEIGHT * c.coverage + SIMILARITY_WEIGHT * sim) * min(1.0, factor)
        updated[id(c)] = dataclasses.replace(c, score=score, similarity=sim)
    out = [updated.get(id(c), c) for c in cands]
    out.sort(key=lambda c: (-c.gated, -c.score, c.passage_number, c.start))
    return out


def select_sentences(scores: CandidateScores, threshold: float, limit: int = MAX_SENTENCES) -> list[SentenceCandidate]:
    """The best gated sentence plus close ones that add question terms and do not repeat it."""
    best = scores.best
    if best is None or best.score < threshold:
        return []
    chosen = [best]
    if best.lead_in is not None:
        limit += 1  # the lead-in is part of the best answer, not an extra
    covered = set(best.new_terms)
    chosen_shingles = [shingles(best.text)]
    for c in scores.candidates:
        if len(chosen) >= limit or not c.gated:
            break
        if c is best or c.score < max(threshold, CLOSE_TO_BEST * best.score):
            continue
        if not (c.new_terms - covered):
            continue
        mine = shingles(c.text)
        if any(containment(mine, other) >= 0.6 for other in chosen_shingles):
            continue
        chosen.append(c)
        covered |= c.new_terms
        chosen_shingles.append(mine)
    return chosen


class RulesAnswerer:
    """Extractive answerer (implements rag.draft.Answerer); see the module docstring for the rules."""

    name = "rules-v0.1"

    def __init__(
        self,
        *,
        idf: Callable[[str], float] | None = None,
        embedder: Embedder | None = None,
        refusal_threshold: float = 0.40,
        rescore_top: int = 3,
    ) -> None:
        self.idf = idf
        self.embedder = embedder
        self.refusal_threshold = refusal_threshold
        self.rescore_top = rescore_top

    def draft(
        self,
        question: str,
        passages: Sequence[Passage],
        on_token: Callable[[str], None] | None = None,
        query_embedding: np.ndarray | None = None,
    ) -> Draft:
        scores = score_candidates(question, passages, self.idf, self.embedder, query_embedding, self.rescore_top)
        chosen = select_sentences(scores, self.refusal_threshold)
        if not chosen:
            return Draft((), True, (refusal_reason(scores, self.refusal_threshold),))
        sentences = tuple(_draft_sentences(chosen))
        if on_token is not None:
            for s in sentences:
                on_token(s.text + " ")
        return Draft(sentences, False)


def _draft_sentences(chosen: Sequence[SentenceCandidate]) -> list[DraftSentence]:
    """Chosen sentences as draft sentences, each lead-in just before the sentence that needs it."""
    out: list[DraftSentence] = []
    seen: set[tuple[int, int]] = set()
    for c in chosen:
        spans = [(c.lead_in[0], c.lead_in[1], c.lead_in[2])] if c.lead_in else []
        for start, end, text in [*spans, (c.start, c.end, c.text)]:
            if (start, end) in seen:
                continue
            seen.add((start, end))
            out.append(DraftSentence(text, (c.passage_number,), (Evidence(c.passage_number, start, end),)))
    return out


def refusal_reason(scores: CandidateScores, threshold: float) -> str:
    """Why the offline answerer refused, in user terms."""
    if not scores.candidates:
        return "no passages were retrieved"
    if scores.missing_anchors:
        return "no retrieved passage states " + ", ".join(repr(a) for a in scores.missing_anchors)
    if scores.best is None:
        wanted = {"when": "a date", "number": "a number", "duration": "a length of time", "amount": "an amount",
                  "person": "a person's name", "who": "a name", "where": "a place"}.get(scores.kind)
        return f"no retrieved sentence gives {wanted or 'an answer'} for this question"
    return f"best evidence score {scores.best_score:.2f} is below the refusal threshold {threshold:.2f}"
