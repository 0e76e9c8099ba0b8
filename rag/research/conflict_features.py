"""Pair features for "do these two news sentences disagree?", without an NLI model.

`pair_features(a, b)` turns two `Statement`s into one row of `FEATURES` (floats), the
input of the fitted logistic model in `rag/research/conflict_rules.py`. The features are general:

- topic: cosine of the two stored vectors when both are given, else the Jaccard overlap
  of content words; the share of shared content words and of shared names (capitalised
  runs from `rag.language.anchors`), and whether both open with the same name (same subject or
  speaker, "Police said ..." / "Police denied ...");
- polarity: denials (`newsrag/vocab/denial.txt`: "baseless", "no truth", and verbs such as
  deny or dismiss when their object is a claim, "denied the accusation" but not "denied
  entry") and plain negations (`negations.txt`, n't) on each side; whether exactly one
  side denies or negates, times the topical overlap (a denial only contradicts a claim
  about the same thing); whether the other side reports a claim (`claims.txt`: alleged,
  accused, claimed responsibility); and how much of what is denied (the words right
  after the denial) the other side says;
- figures: numbers (digits and number words) attached to a slot, the content words around
  them ("345 Muslim pilgrims have been killed"); a clash is two numbers with different
  values whose surroundings share at least two words (they count the same thing), a match
  the same with one value; dates with a day on both sides and none in common.

Which features go into the model is `FEATURES`; `FIGURE_FEATURES` and `POLARITY_FEATURES`
name the groups whose share of the logit decides a conflict's kind.

Deliberately left out: syntax (who denies what is not parsed), world knowledge, IDF
weights (no corpus statistics at query time), and any weight or threshold: those are
fitted by `evals/fit_disagreement.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from newsrag.text import STOPWORDS, content_terms, normalize, stem, words
from newsrag.types import Statement
from newsrag.vocab import mapping, vocabulary
from rag.language.anchors import find_anchors

FEATURES = (
    "similarity", "content_overlap", "name_overlap", "same_subject", "same_article",
    "denial_one", "denial_both", "denial_one_x_overlap", "negation_one", "negation_one_x_overlap",
    "claim_other", "claim_x_denial", "scope_overlap", "scope_x_polarity", "other_negated", "denial_superseded",
    "numbers_both", "figure_clash", "figure_clash_x_overlap", "figure_match", "date_clash",
)
FIGURE_FEATURES = frozenset({"numbers_both", "figure_clash", "figure_clash_x_overlap", "figure_match", "date_clash"})
POLARITY_FEATURES = frozenset({"denial_one", "denial_both", "denial_one_x_overlap", "negation_one",
                               "negation_one_x_overlap", "claim_other", "claim_x_denial", "scope_overlap",
                               "scope_x_polarity", "other_negated", "denial_superseded"})

_DENIAL = mapping("denial")  # word or phrase -> "verb" (needs a claim as object) or "always"
_DENIAL_VERBS = frozenset(d for d, kind in _DENIAL.items() if kind == "verb")
_DENIAL_WORDS = frozenset(d for d, kind in _DENIAL.items() if kind == "always" and " " not in d)
_DENIAL_PHRASES = tuple(d for d, kind in _DENIAL.items() if kind == "always" and " " in d)
_OBJECT_WORDS = 4  # how far after a denial verb its claim object may stand ("denied all the claims")
_SUBJECT_WORDS = 20  # how far before a passive denial its claim subject may stand ("claims of ... were dismissed")
_NEGATIONS = vocabulary("negations")
_CLAIMS = vocabulary("claims")
_SUPERSEDED = vocabulary("superseded")
_BE = frozenset(w for w, kind in mapping("auxiliaries").items() if kind == "be")
SLOT_AFTER = 3  # content words after a number that say what it counts
SLOT_SHARED = 2  # words two numbers' surroundings must share to count the same thing
SCOPE_WORDS = 10  # what a denial or negation denies: the words right after it
_NUMBER_WORDS = vocabulary("number_words")
_MONTHS = vocabulary("months")
_WORD = re.compile(r"[a-z][a-z'-]*")
# A slot stops at punctuation or another number: "345 dead, 289 injured" gives 345 no "injured".
_BREAK = re.compile(r"[\d,;:.()]")


@dataclass(frozen=True)
class Side:
    """What the features read from one sentence."""

    terms: frozenset[str]  # stemmed content words
    names: frozenset[str]  # name keys
    first_name: str  # key of the first name, "" when none
    denials: int  # denial words and phrases
    negations: int
    claims: int  # words reporting a claim or accusation ("alleged", "claimed responsibility")
    scope: frozenset[str]  # stemmed content words just after a denial or a negation: what is denied
    superseded: bool  # a word marking what it says as held for a while ("initially", "for days")
    figures: frozenset[tuple[frozenset[str], str]]  # (the words around a number, its value)
    days: frozenset[str]  # date keys that name a day ("september 19 2023", "march 3")


def _slot_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(normalize(text)) if w not in STOPWORDS and w not in _NUMBER_WORDS
            and w not in _MONTHS]


def _denies_a_claim(toks: list[str], i: int) -> bool:
    """Whether the denial verb at toks[i] takes a claim ("denied that ...", "dismissed the report
    as ...", "the charge was denied") rather than a thing ("denied entry", "dismissed the minister")."""
    after = toks[i + 1:i + 1 + _OBJECT_WORDS]
    passive = i > 0 and toks[i - 1] in _BE and any(w in _CLAIMS for w in toks[max(0, i - 1 - _SUBJECT_WORDS):i - 1])
    return passive or any(w in ("that", "as", "any") or w in _CLAIMS for w in after)


def read_side(text: str) -> Side:
    """The polarity, figures and names of one sentence."""
    anchors = find_anchors(text)
    toks = words(text)
    joined = " " + " ".join(toks) + " "
    verbs = [i for i, t in enumerate(toks) if t in _DENIAL_VERBS and _denies_a_claim(toks, i)]
    denials = len(verbs) + sum(t in _DENIAL_WORDS for t in toks) + sum(joined.count(f" {p} ") for p in _DENIAL_PHRASES)
    negations = sum(t in _NEGATIONS or t.endswith("n't") for t in toks)
    cues = verbs + [i for i, t in enumerate(toks) if t in _DENIAL_WORDS or t in _NEGATIONS or t.endswith("n't")]
    cues += [len(joined[:m.start()].split()) + len(p.split()) - 1
             for p in _DENIAL_PHRASES for m in re.finditer(f" {p} ", joined)]
    scope = frozenset(stem(w) for i in cues for w in toks[i + 1:i + 1 + SCOPE_WORDS]
                      if w not in STOPWORDS and w not in _DENIAL_WORDS and w not in _NEGATIONS)
    figures: set[tuple[frozenset[str], str]] = set()
    for anchor in anchors:
        if anchor.kind != "number":
            continue
        # What a number counts: the content words around it, up to punctuation or another
        # number ("345 Muslim pilgrims have been killed" -> muslim, pilgrim, kill).
        after = _slot_words(_BREAK.split(text[anchor.end:anchor.end + 50])[0])[:SLOT_AFTER]
        before = _slot_words(_BREAK.split(text[max(0, anchor.start - 30):anchor.start])[-1])[-1:]
        context = frozenset(stem(w) for w in before + after)
        if context:
            figures.add((context, anchor.key))
    names = [a.key for a in anchors if a.kind == "name"]
    days = frozenset(a.key for a in anchors if a.kind == "date" and any(p.isdigit() and len(p) <= 2
                                                                         for p in a.key.split()))
    return Side(frozenset(content_terms(text)), frozenset(names), names[0] if names else "", denials, negations,
                sum(t in _CLAIMS for t in toks), scope, any(t in _SUPERSEDED for t in toks), frozenset(figures), days)


def _share(x: frozenset[str], y: frozenset[str]) -> float:
    return len(x & y) / min(len(x), len(y)) if x and y else 0.0


def figure_clash(a: Side, b: Side) -> tuple[bool, bool]:
    """(two numbers that count the same thing with different values, two that count it with the same).

    The same thing: at least SLOT_SHARED words in common around the two numbers ("363 pilgrims
    were killed" and "345 pilgrims have been killed"), so that "12 people were killed" and
    "injured 40 people" do not count the same thing."""
    clash = match = False
    for ctx_a, value_a in a.figures:
        for ctx_b, value_b in b.figures:
            if len(ctx_a & ctx_b) >= SLOT_SHARED:
                if value_a == value_b:
                    match = True
                else:
                    clash = True
    return clash and not match, match


def pair_features(a: Statement, b: Statement) -> np.ndarray:
    """One row of FEATURES for the pair (symmetric: the order of a and b does not matter)."""
    sa, sb = read_side(a.text), read_side(b.text)
    overlap = _share(sa.terms, sb.terms)
    if a.vector is not None and b.vector is not None:
        similarity = float(np.dot(a.vector, b.vector))
    else:
        union = sa.terms | sb.terms
        similarity = len(sa.terms & sb.terms) / len(union) if union else 0.0
    denial_one = float((sa.denials > 0) != (sb.denials > 0))
    negation_one = float((sa.negations > 0) != (sb.negations > 0))
    clash, match = figure_clash(sa, sb)
    # The side that denies (or negates) more, and whether what it denies is what the other says.
    den, other = (sa, sb) if (sa.denials, sa.negations) >= (sb.denials, sb.negations) else (sb, sa)
    scope = len(den.scope & other.terms) / len(den.scope) if den.scope else 0.0
    claim_other = denial_one * float(other.claims > 0)
    values = {
        "similarity": similarity,
        "content_overlap": overlap,
        "name_overlap": _share(sa.names, sb.names),
        "same_subject": float(bool(sa.first_name) and sa.first_name == sb.first_name),
        "same_article": float(a.article_id == b.article_id),
        "denial_one": denial_one,
        "denial_both": float(sa.denials > 0 and sb.denials > 0),
        "denial_one_x_overlap": denial_one * max(overlap, similarity),
        "negation_one": negation_one,
        "negation_one_x_overlap": negation_one * max(overlap, similarity),
        "claim_other": claim_other,
        "claim_x_denial": denial_one * float(sa.claims > 0 or sb.claims > 0),
        "scope_overlap": scope,
        "scope_x_polarity": scope * max(denial_one, negation_one),
        # Both sides negative (a denial and "no traces were found") agree rather than clash.
        "other_negated": max(denial_one, negation_one) * float(other.negations > 0 or other.denials > 0),
        "denial_superseded": max(denial_one, negation_one) * float(den.superseded),
        "numbers_both": float(bool(sa.figures) and bool(sb.figures)),
        "figure_clash": float(clash),
        "figure_clash_x_overlap": float(clash) * max(overlap, similarity),
        "figure_match": float(match),
        "date_clash": float(bool(sa.days) and bool(sb.days) and not (sa.days & sb.days)),
    }
    return np.array([values[name] for name in FEATURES], dtype=np.float64)
