"""Candidate sentences of the retrieved passages and the features the fitted scorer reads.

For one question, every stored sentence of every retrieved passage is a candidate
(a sentence repeated in two overlapping passages counts once, under the better-ranked
passage). Each candidate gets a fixed vector of features, named in `FEATURES`:

- semantic: cosine between the question and the sentence's stored vector (index/
  writes it; nothing is embedded here), and how far it is from the best candidate's;
- retrieval: the passage's rank, dense score and fused score relative to the best;
- lexical: the IDF-weighted share of the question's content terms the sentence states,
  the same with the sentence before it and the title (news names a role in one
  sentence and the person in the next), in the whole passage, and the rarity of the
  rarest question term it lacks;
- anchors: whether the sentence holds the kind of thing asked for (a date for "when",
  a number for "how many", a name for "who", ...: `rag.language.anchors`), and the shares of
  the question's names and of its dates and numbers stated by the sentence and by the
  passage;
- context: the similarity of the sentences just before and after it (an answer often
  follows the sentence that restates the question), and the share of the question's
  adjacent term pairs it states in order;
- shape: lead sentence of the article, length, a sentence that opens with a quote or
  has no closing punctuation (a subheading), how many things of the asked kind it holds.

These are evidence, never gates: `rag/answering/sentence_scorer.py` weighs them with weights
fitted on data (`evals/fit.py`). Nothing here names a particular article, person or
phrasing.

Deliberately left out: anything that needs a model beyond the stored vectors (no
cross-encoder or NLI model is assumed), and the decision itself.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from newsrag.text import content_terms, normalize, term_variants, words
from newsrag.types import Chunk, ChunkSentences, Passage
from newsrag.vocab import vocabulary
from rag.language.anchors import Anchor, anchor_in, find_anchors, name_key, question_kind, satisfies_kind

# The kinds of question answered by one specific thing (a date, number, name, place);
# the rest ("what did X say", "why") are open and may take several sentences.
FACTOID_KINDS = frozenset({"when", "number", "amount", "duration", "person", "who", "where"})

FEATURES = (
    "sim", "sim_gap", "sim_rank_inv", "passage_rank_inv", "passage_dense", "passage_fused_rel",
    "coverage", "coverage_gap", "coverage_context", "coverage_passage", "missing_rarest",
    "kind_asked", "kind_missing", "names_sentence", "names_passage", "hard_sentence", "hard_passage",
    "lead", "log_words", "opens_quote", "new_anchors",
    "sim_prev", "sim_next", "ends_sentence", "kind_count", "bigram_coverage",
)


@dataclass(frozen=True)
class Candidate:
    """One sentence that might answer the question, with its features (same order as FEATURES)."""

    passage_number: int  # 1-based into the passages given
    chunk_id: str
    article_id: str
    start: int  # article offsets
    end: int
    text: str
    features: tuple[float, ...]


@dataclass(frozen=True)
class CandidateSet:
    question: str
    kind: str  # rag.language.anchors.question_kind
    candidates: tuple[Candidate, ...]  # passage order, then article order
    missing_anchors: tuple[str, ...]  # question dates, numbers and names no passage states

    @property
    def factoid(self) -> bool:
        return self.kind in FACTOID_KINDS

    def matrix(self) -> np.ndarray:
        if not self.candidates:
            return np.zeros((0, len(FEATURES)), dtype=np.float64)
        return np.array([c.features for c in self.candidates], dtype=np.float64)


def question_terms(question: str) -> list[str]:
    """The question's content terms, once each, without words that only shape a question."""
    scaffold = vocabulary("question_scaffold")
    out: list[str] = []
    for t in content_terms(question):
        if t not in scaffold and t not in out:
            out.append(t)
    return out


def word_set(text: str) -> frozenset[str]:
    """Words of a text for name look-ups: hyphens split, possessives dropped, "u.s" kept."""
    norm = normalize(text)
    toks = re.findall(r"[\w']+", norm.replace("-", " ")) + re.findall(r"\w+(?:\.\w+)+", norm)
    return frozenset(t[:-2] if t.endswith("'s") else t for t in toks)


def name_mentioned(anchor: Anchor, words_present: frozenset[str]) -> bool:
    """Whether a name is mentioned, tolerating spelling variants of given names: the
    surname (last non-title word) must occur, and at least half of the name's words."""
    titles = vocabulary("titles")
    toks = [w.removesuffix("'s") for w in name_key(anchor.text).split() if w not in titles]
    if not toks:
        return True
    if toks[-1] not in words_present:
        return False
    return sum(t in words_present for t in toks) * 2 >= len(toks)


def is_new(anchor: Anchor, question_keys: set[str]) -> bool:
    """An anchor the question did not already give (for a name: one word that is neither a
    title nor in the question)."""
    if anchor.key in question_keys:
        return False
    if anchor.kind != "name":
        return True
    titles = vocabulary("titles")
    return any(w not in titles and not (term_variants(w) & question_keys) for w in anchor.key.split())


@dataclass(frozen=True)
class _Sent:
    start: int
    end: int
    text: str
    terms: frozenset[str]
    anchors: tuple[Anchor, ...]
    words: frozenset[str]
    n_words: int
    usable: bool  # not a heading fragment, not the headline repeated


@dataclass(frozen=True)
class _ChunkView:
    """What scoring needs of one chunk, computed once per chunk (not per question)."""

    sentences: tuple[_Sent, ...]
    title_terms: frozenset[str]
    passage_terms: frozenset[str]
    passage_words: frozenset[str]
    passage_anchors: tuple[Anchor, ...]


@functools.lru_cache(maxsize=8192)
def _view(chunk: Chunk, spans: tuple[tuple[int, int], ...]) -> _ChunkView:
    title_norm = normalize(chunk.title).strip()
    sents = []
    for start, end in spans:
        text = chunk.text[start - chunk.start : end - chunk.start]
        n = len(words(text))
        sents.append(_Sent(start, end, text, frozenset(content_terms(text)), tuple(find_anchors(text)), word_set(text),
                           n, n >= 4 and normalize(text).strip() != title_norm))
    title_terms = frozenset(content_terms(chunk.title))
    return _ChunkView(tuple(sents), title_terms, title_terms.union(*(s.terms for s in sents)),
                      word_set(f"{chunk.title}\n{chunk.text}"), tuple(a for s in sents for a in s.anchors))


def build_candidates(
    question: str,
    passages: Sequence[Passage],
    sentences: Mapping[str, ChunkSentences],
    query_embedding: np.ndarray,
    idf: Callable[[str], float] | None = None,
) -> CandidateSet:
    """Every usable sentence of `passages` with its features (see the module docstring)."""
    kind = question_kind(question)
    q_terms = question_terms(question)
    weights = {t: (idf(t) if idf else 1.0) for t in q_terms}
    total = sum(weights.values()) or 1.0
    rarest = max(weights.values(), default=1.0) or 1.0
    variants = {t: term_variants(t) for t in q_terms}
    q_anchors = find_anchors(question)
    hard = [a for a in q_anchors if a.kind in ("date", "number")]
    names = [a for a in q_anchors if a.kind == "name"]
    q_keys = {a.key for a in q_anchors} | {w for a in names for w in a.key.split()}
    query = np.asarray(query_embedding, dtype=np.float32)
    q_bigrams = _bigrams(content_terms(question))

    def share(terms: frozenset[str]) -> tuple[float, frozenset[str]]:
        hit = frozenset(t for t in q_terms if variants[t] & terms)
        return sum(weights[t] for t in hit) / total, hit

    rows: list[tuple[Passage, int, _Sent, list[float]]] = []
    seen: set[tuple[str, int, int]] = set()
    stated: set[str] = set()
    top_score = max((p.score for p in passages), default=1.0) or 1.0
    for number, p in enumerate(passages, start=1):
        stored = sentences.get(p.chunk.id)
        if stored is None or not stored.spans:
            continue
        chunk = p.chunk
        view = _view(chunk, stored.spans)
        sents, title_terms, passage_terms = view.sentences, view.title_terms, view.passage_terms
        passage_words, passage_anchors = view.passage_words, list(view.passage_anchors)
        names_passage = _share_true([name_mentioned(a, passage_words) for a in names])
        hard_passage = _share_true([anchor_in(a, chunk.text, passage_anchors) for a in hard])
        stated.update(a.key for a in names if name_mentioned(a, passage_words))
        stated.update(a.key for a in hard if anchor_in(a, chunk.text, passage_anchors))
        coverage_passage, _ = share(passage_terms)
        sims = stored.vectors @ query
        for i, s in enumerate(sents):
            key = (chunk.article_id, s.start, s.end)
            if key in seen or not s.usable:
                continue
            seen.add(key)
            coverage, hit = share(s.terms)
            before = sents[i - 1].terms if i > 0 else frozenset()
            coverage_context, hit_context = share(s.terms | before | title_terms)
            missing = [weights[t] for t in q_terms if t not in hit_context]
            new = [a for a in s.anchors if is_new(a, q_keys)]
            kind_asked = kind in FACTOID_KINDS
            kind_missing = kind_asked and not satisfies_kind(kind, new, s.text)
            of_kind = sum(satisfies_kind(kind, [a], s.text) for a in new) if kind_asked else 0
            bigrams = _bigrams(content_terms(s.text))
            features = [
                float(sims[i]), 0.0, 0.0, 1.0 / number,
                max(0.0, float(p.dense_score)) if p.dense_score is not None else 0.0,
                float(p.score) / top_score,
                coverage, 0.0, coverage_context, coverage_passage,
                (max(missing) / rarest) if missing else 0.0,
                float(kind_asked), float(kind_missing),
                _share_true([name_mentioned(a, s.words) for a in names]), names_passage,
                _share_true([anchor_in(a, s.text, list(s.anchors)) for a in hard]), hard_passage,
                float(chunk.ordinal == 0 and i == 0), math.log1p(s.n_words),
                float(s.text[:1] in "\"'“‘"), min(len(new), 5) / 5.0,
                float(sims[i - 1]) if i > 0 else 0.0, float(sims[i + 1]) if i + 1 < len(sents) else 0.0,
                float(s.text.rstrip("\"'”’)]").endswith((".", "!", "?", "…"))), min(of_kind, 3) / 3.0,
                (len(q_bigrams & bigrams) / len(q_bigrams)) if q_bigrams else 0.0,
            ]
            rows.append((p, number, s, features))
    _relative_features(rows)
    candidates = tuple(
        Candidate(number, p.chunk.id, p.chunk.article_id, s.start, s.end, s.text, tuple(f))
        for p, number, s, f in rows
    )
    missing_anchors = tuple(a.text for a in [*hard, *names] if a.key not in stated)
    return CandidateSet(question, kind, candidates, missing_anchors)


_SIM, _SIM_GAP, _SIM_RANK = FEATURES.index("sim"), FEATURES.index("sim_gap"), FEATURES.index("sim_rank_inv")
_COV, _COV_GAP = FEATURES.index("coverage"), FEATURES.index("coverage_gap")


def _relative_features(rows: list[tuple[Passage, int, _Sent, list[float]]]) -> None:
    """How each candidate compares with the best one of this question (filled in place)."""
    if not rows:
        return
    sims = [f[_SIM] for *_, f in rows]
    best_sim, best_cov = max(sims), max(f[_COV] for *_, f in rows)
    order = sorted(range(len(rows)), key=lambda i: -sims[i])
    for rank, i in enumerate(order, start=1):
        f = rows[i][3]
        f[_SIM_GAP] = f[_SIM] - best_sim
        f[_SIM_RANK] = 1.0 / rank
        f[_COV_GAP] = f[_COV] - best_cov


def _bigrams(terms: Sequence[str]) -> frozenset[tuple[str, str]]:
    return frozenset(zip(terms, terms[1:], strict=False))


def _share_true(flags: Sequence[bool]) -> float:
    """The share of true flags; 1.0 when there is nothing to state."""
    return sum(flags) / len(flags) if flags else 1.0
