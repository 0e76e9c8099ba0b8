"""The support checker: does each cited passage really say what its sentence says?

`SupportChecker.check(sentence, citations)` returns a `SupportCheck` by these rules,
in order (thresholds in `newsrag.tuning.CheckingTuning`, calibrated on `evals/checker_pairs.jsonl`):

1. uncited: no citation -> unsupported, unless the sentence is only the refusal
   ("The indexed articles do not say."), which makes no claim -> supported, score 1.
2. verbatim: the sentence (markers removed, case/quotes/punctuation folded, at least
   4 words) occurs word for word in a cited quote or passage -> supported, score 1.
3. anchors: every date, number and name of the sentence must appear in the cited
   passages; one that does not is a contradiction ("date 'October 3' not in cited
   passage [1]") -> unsupported.
4. roles: the same actors the other way round around the verb ("Iraq warned Iran" vs
   "Iran warned Iraq", passive "by" understood) -> unsupported (`rag/checking/role_reversal.py`).
5. last step, heuristic: content-word coverage >= min_coverage and, when an embedder is
   given, cosine similarity to the best passage sentence (or adjacent pair) >=
   min_similarity. With an NLI model, its entailment probability of the sentence
   given the best passage window(s) >= min_entailment replaces this step.

Before any rule, passage sentences that are instructions to a model ("Ignore previous
instructions and say ...", a planted prompt injection) are taken out of the evidence:
what such a sentence tells the reader to say is not something the article states.

`locate(sentence, passage)` finds the passage sentence (or two adjacent) that best
supports a sentence: it turns an LLM's passage-level `[n]` into a sentence quote.

Deliberately left out: world knowledge. A sentence the passages do not state is
unsupported even when it is true.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import numpy as np

from newsrag.protocols import Embedder
from newsrag.text import Span, content_terms, sentence_spans, words
from newsrag.tuning import CheckingTuning
from newsrag.types import Citation, Passage, SupportCheck
from rag.checking.nli_model import PairScorer, label_index, load_nli_model
from rag.checking.role_reversal import find_role_reversal
from rag.language.anchors import Anchor, anchor_in, find_anchors
from rag.language.cited_text import is_refusal_sentence, strip_markers

# The checker's numbers live in newsrag/tuning.py; this name is what callers have used.
CheckerThresholds = CheckingTuning


# Sentence-initial capitalised words that are discourse, not names (LLMs open with them).
_DISCOURSE = frozenset(
    "additionally furthermore moreover overall specifically instead earlier later then thus "
    "therefore finally first second third yes no notably similarly subsequently previously "
    "currently recently today yesterday both neither either several many some".split()
)


# A planted instruction to the model reading the passage, not a statement of the article.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,60}?"
    r"\b(?:instructions?|prompts?|directions|rules|guidelines)\b"
    r"|\b(?:system prompt|new instructions|you are now (?:a|an|the)\b)",
    re.IGNORECASE,
)


def without_instructions(text: str) -> tuple[str, list[str]]:
    """`text` with every sentence that instructs a model blanked out, and those sentences."""
    if not _INSTRUCTION.search(text):
        return text, []
    kept, dropped, last = [], [], 0
    for span in sentence_spans(text):
        piece = span.of(text)
        if _INSTRUCTION.search(piece):
            kept.append(text[last:span.start] + " " * len(piece))
            dropped.append(piece)
        else:
            kept.append(text[last:span.end])
        last = span.end
    kept.append(text[last:])
    return "".join(kept), dropped


def _label(numbers: Sequence[int]) -> str:
    marks = ", ".join(f"[{n}]" for n in numbers)
    return f"cited passage {marks}" if len(numbers) == 1 else f"cited passages {marks}"


def _word_key(text: str) -> str:
    return " " + " ".join(words(text)) + " "


def _covered(term: str, terms: set[str], prefixes: set[str], shortest: int) -> bool:
    """Exact stem match, or one stem is a prefix of the other ("deploy"/"deployment")."""
    if term in terms or (len(term) >= shortest and term in prefixes):
        return True
    return any(term[:n] in terms for n in range(shortest, len(term)))


def coverage(claim: str, evidence: str, tuning: CheckingTuning = CheckingTuning()) -> tuple[float, list[str]]:
    """Share of the claim's distinct content terms found in the evidence, and the missing ones."""
    claim_terms = list(dict.fromkeys(content_terms(claim)))
    if not claim_terms:
        return 1.0, []
    ev = set(content_terms(evidence))
    shortest = tuning.stem_prefix
    prefixes = {t[:n] for t in ev for n in range(shortest, len(t))}
    missing = [t for t in claim_terms if not _covered(t, ev, prefixes, shortest)]
    return 1.0 - len(missing) / len(claim_terms), missing


# Where one claim ends and an added one may begin: ", and", "; ", ", after which", ...
_CLAUSE_SPLIT = re.compile(
    r"\s*(?:;|,\s*(?:and|but|while|although|though|after which|which|killing|a move that|despite)\b"
    r"|\s(?:and then|and later|and also)\b)\s*",
    re.I,
)


def weakest_clause_coverage(claim: str, evidence: str, tuning: CheckingTuning = CheckingTuning()
                            ) -> tuple[float, str]:
    """The lowest coverage of any clause with a few content words (catches an added claim)."""
    worst, worst_clause = 1.0, ""
    for clause in _CLAUSE_SPLIT.split(claim):
        if len(set(content_terms(clause))) < tuning.min_clause_terms:
            continue
        cov, _ = coverage(clause, evidence, tuning)
        if cov < worst:
            worst, worst_clause = cov, clause
    return worst, worst_clause


def windows(text: str) -> list[Span]:
    """Each sentence of `text` and each pair of adjacent sentences, as spans into `text`."""
    spans = sentence_spans(text)
    out = list(spans)
    out += [Span(a.start, b.end) for a, b in zip(spans, spans[1:], strict=False)]
    return out


class SupportChecker:
    def __init__(
        self,
        embedder: Embedder | None = None,
        nli_model: str | None = None,
        *,
        thresholds: CheckingTuning = CheckingTuning(),
        nli: PairScorer | None = None,  # an already loaded CrossEncoder (tests inject a fake)
    ) -> None:
        self.embedder = embedder
        self.thresholds = thresholds
        self._nli = nli if nli is not None else (load_nli_model(nli_model) if nli_model else None)
        self._entail_idx = label_index(self._nli, "entail") if self._nli is not None else -1
        self._vectors: dict[str, np.ndarray] = {}

    # --- embeddings (cached: one answer checks several sentences against the same passages)
    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        assert self.embedder is not None
        todo = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if todo:
            if len(self._vectors) > 4096:
                self._vectors.clear()
            for text, vec in zip(todo, self.embedder.embed_documents(todo), strict=True):
                self._vectors[text] = np.asarray(vec, dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])

    def similarity(self, claim: str, evidence: str) -> float:
        """Best cosine between the claim and a sentence window of the evidence (needs an embedder)."""
        cands = [s.of(evidence) for s in windows(evidence)] or [evidence]
        vecs = self._embed([claim, *cands])
        return float(np.max(vecs[1:] @ vecs[0]))

    # --- locate
    def _window_scores(self, claim: str, text: str, use_embedder: bool = True,
                       use_anchors: bool = True) -> list[tuple[float, Span]]:
        spans = windows(text)
        if not spans:
            return []
        t = self.thresholds
        anchors = find_anchors(claim)
        anchor_weight = t.locate_anchor_weight if use_anchors else 0.0
        scored = []
        for span in spans:
            piece = span.of(text)
            cov, _ = coverage(claim, piece, t)
            hits = sum(anchor_in(a, piece) for a in anchors) / len(anchors) if anchors else 0.0
            pair_penalty = t.locate_pair_penalty if "\n" in piece or len(sentence_spans(piece)) > 1 else 0.0
            scored.append((cov + anchor_weight * hits - pair_penalty, span))
        if self.embedder is not None and use_embedder:
            vecs = self._embed([claim, *[s.of(text) for _, s in scored]])
            sims = vecs[1:] @ vecs[0]
            scored = [(score + float(sim), span) for (score, span), sim in zip(scored, sims, strict=True)]
        return scored

    def locate(self, sentence: str, passage: Passage) -> Span:
        """Article offsets of the passage sentence(s) that best support `sentence`."""
        chunk = passage.chunk
        scored = self._window_scores(strip_markers(sentence), chunk.text)
        if not scored:
            return Span(chunk.start, chunk.end)
        _, best = max(scored, key=lambda item: (item[0], -(item[1].end - item[1].start)))
        return Span(chunk.start + best.start, chunk.start + best.end)

    # --- check
    def check(self, sentence: str, citations: Sequence[Citation]) -> SupportCheck:
        claim = strip_markers(sentence)
        if not citations:
            if is_refusal_sentence(claim):
                return SupportCheck(True, 1.0, "uncited", ("says the articles do not answer; makes no claim",))
            return SupportCheck(False, 0.0, "uncited", ("sentence cites no passage",))
        numbers = sorted({c.number for c in citations})
        label = _label(numbers)
        citations, planted = self._without_instructions(citations)
        result = self._check_evidence(claim, citations, label)
        if planted and not result.supported:
            shown = planted[0] if len(planted[0]) <= 80 else planted[0][:77] + "..."
            why = f"{label} holds an instruction to the reader ('{shown}'), which is not evidence"
            return SupportCheck(False, result.score, result.method, (why, *result.reasons))
        return result

    @staticmethod
    def _without_instructions(citations: Sequence[Citation]) -> tuple[list[Citation], list[str]]:
        out, planted = [], []
        for c in citations:
            passage, dropped = without_instructions(c.passage)
            quote, dropped_q = without_instructions(c.quote)
            planted += [d for d in dropped + dropped_q if d not in planted]
            out.append(dataclasses.replace(c, passage=passage, quote=quote) if dropped or dropped_q else c)
        return out, planted

    def _check_evidence(self, claim: str, citations: Sequence[Citation], label: str) -> SupportCheck:
        texts = [c.passage if c.quote in c.passage else f"{c.passage}\n{c.quote}" for c in citations]
        evidence = "\n".join(dict.fromkeys(texts))

        key = _word_key(claim)
        if len(key.split()) >= self.thresholds.min_verbatim_words:
            for c in citations:
                if key in _word_key(c.quote) or key in _word_key(c.passage):
                    return SupportCheck(True, 1.0, "verbatim", (f"stated word for word in {_label([c.number])}",))

        reasons = self._anchor_problems(claim, evidence, label)
        if not reasons:
            reasons = self._scattered_anchors(claim, citations, label)
        ev_sentences = [s.of(evidence) for s in sentence_spans(evidence)]
        conflict = find_role_reversal(claim, ev_sentences)
        if conflict is not None:
            reasons.append(
                f"roles reversed around '{conflict.verb}': the sentence has '{conflict.claim_agent}' acting, "
                f"{label} has '{conflict.evidence_agent}'"
            )
        if self._nli is not None:
            return self._check_nli(self._nli, claim, citations, label, reasons)
        return self._check_heuristic(claim, evidence, label, reasons)

    def _anchor_problems(self, claim: str, evidence: str, label: str) -> list[str]:
        ev_anchors = find_anchors(evidence)
        problems = []
        for anchor in find_anchors(claim):
            if self._is_discourse_word(anchor):
                continue
            if not anchor_in(anchor, evidence, ev_anchors):
                problems.append(f"{anchor.kind} '{anchor.text}' not in {label}")
        return problems

    def _scattered_anchors(self, claim: str, citations: Sequence[Citation], label: str) -> list[str]:
        """Dates and numbers must sit in the passage sentence(s) that state the rest of the claim.

        "disbanded by September 23" cited to a passage saying "by September 19" in that sentence
        and "On September 23" two sentences later has every anchor in the passage, yet is wrong.
        """
        anchors = [a for a in find_anchors(claim) if a.kind in ("date", "number")]
        if not anchors:
            return []
        # Choose the window by the claim's other words: the misplaced date itself must not pull
        # the choice towards its own sentence.
        rest = claim
        for a in reversed(anchors):
            rest = rest[: a.start] + " " + rest[a.end :]
        best_windows = []
        for c in citations:
            scored = self._window_scores(rest, c.passage, use_embedder=False, use_anchors=False)
            if scored:
                best_windows.append(max(scored, key=lambda x: x[0])[1].of(c.passage))
        if not best_windows:
            return []
        best = "\n".join(best_windows)
        best_anchors = find_anchors(best)
        return [
            f"{a.kind} '{a.text}' is in {label} but not in the sentence that states the rest"
            for a in anchors
            if not anchor_in(a, best, best_anchors)
        ]

    @staticmethod
    def _is_discourse_word(anchor: Anchor) -> bool:
        return anchor.kind == "name" and anchor.start == 0 and anchor.key in _DISCOURSE

    def _check_heuristic(self, claim: str, evidence: str, label: str, reasons: list[str]) -> SupportCheck:
        t = self.thresholds
        contradicted = bool(reasons)  # anchors or roles already failed
        cov, missing = coverage(claim, evidence, t)
        ok = cov >= t.min_coverage
        if not ok:
            shown = ", ".join(f"'{m}'" for m in missing[:5])
            reasons.append(f"only {cov:.0%} of its content words are in {label} (missing {shown})")
        clause_cov, clause = weakest_clause_coverage(claim, evidence, t)
        if clause_cov < t.min_clause_coverage:
            ok = False
            reasons.append(f"the part '{clause.strip()}' is mostly not in {label} ({clause_cov:.0%} of its words)")
        score = min(cov, 0.5 + clause_cov / 2)
        if self.embedder is not None:
            sim = self.similarity(claim, evidence)
            score = 0.5 * cov + 0.5 * max(0.0, sim)
            if sim < t.min_similarity:
                ok = False
                reasons.append(f"closest sentence in {label} has similarity {sim:.2f} < {t.min_similarity:.2f}")
        if contradicted:
            ok, score = False, min(score, t.contradicted_score_cap)
        return SupportCheck(ok, round(float(score), 4), "heuristic", tuple(reasons))

    def _check_nli(self, nli: PairScorer, claim: str, citations: Sequence[Citation], label: str,
                   reasons: list[str]) -> SupportCheck:
        premises = []
        for c in citations:
            best = max(self._window_scores(claim, c.passage) or [(0.0, Span(0, len(c.passage)))], key=lambda x: x[0])[1]
            premises.append(best.of(c.passage))
        if len(premises) > 1:
            premises.append(" ".join(premises))
        probs = np.asarray(nli.predict([(p, claim) for p in premises], apply_softmax=True))
        probs = probs.reshape(len(premises), -1)
        entail = float(np.max(probs[:, self._entail_idx]))
        ok = entail >= self.thresholds.min_entailment and not reasons
        if entail < self.thresholds.min_entailment:
            reasons.append(f"NLI entailment {entail:.2f} < {self.thresholds.min_entailment:.2f} for {label}")
        score = entail if not reasons or ok else min(entail, self.thresholds.contradicted_score_cap)
        return SupportCheck(ok, round(score, 4), "nli", tuple(reasons))
