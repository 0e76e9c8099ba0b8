"""Role reversal: "Iraq warned Iran" cited to a passage that says "Iran warned Iraq".

Both sentences share every word, date and name, so overlap measures and bag-of-words
embeddings call them a match. What differs is who did what to whom. Without a parser
we use a defensible approximation that news copy supports well:

1. In the claim, take each verb-looking word V (past tense "-ed" or a common irregular
   past) with name anchors on both sides. Its agent is the nearest name before V, or
   the first name after V when V is passive ("was warned by B").
2. In each evidence sentence containing V (same light stem) with names of the claim on
   both sides, the agent is found the same way, among the claim's names only.
3. If the evidence gives V agents and the claim's agent is not one of them, the claim
   has the wrong actor: roles reversed (or another actor substituted).

Deliberately left out: present-tense verbs ("warns", ambiguous with plural nouns),
clauses with more than two actors, and coordination ("Iran and Iraq signed"): where
the structure is not clear the function abstains (returns None) rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from newsrag.text import normalize, stem
from newsrag.vocab import mapping
from rag.language.anchors import Anchor, find_anchors, name_key

# Common irregular past forms in news copy (regular ones end in "-ed").
_IRREGULAR_PAST = frozenset(mapping("irregular_verbs"))  # "told", "met", "sent", ...
_NOT_VERBS = frozenset("red based armed united hundred need speed seed feed bed shed".split())
_BE = frozenset("was were been being is are be".split())
_TOKEN = re.compile(r"\w+(?:['’-]\w+)*")


@dataclass(frozen=True)
class RoleConflict:
    verb: str  # the verb as written in the claim
    claim_agent: str  # who does it in the claim, as written there
    evidence_agent: str  # who does it in the cited passage
    evidence_sentence: str


def _tokens(text: str) -> list[tuple[str, int, int]]:
    out = []
    for m in _TOKEN.finditer(text):
        tok = normalize(m.group(0)).replace("’", "'")
        if tok.endswith("'s"):
            tok = tok[:-2]
        out.append((tok, m.start(), m.end()))
    return out


def _is_verb(token: str) -> bool:
    if token in _IRREGULAR_PAST:
        return True
    return token.endswith("ed") and len(token) > 4 and token not in _NOT_VERBS


def _passive_after(tokens: Sequence[str], v: int) -> bool:
    """'... was warned by X': a be-verb shortly before V, or "by" right after it."""
    after = tokens[v + 1 : v + 3]
    before = tokens[max(0, v - 3) : v]
    return "by" in after and (any(t in _BE for t in before) or tokens[v + 1 : v + 2] == ["by"])


def _name_word(anchor_text: str) -> str:
    """The word that identifies a name in another sentence: its last word ("Al-e Sadeq" -> "sadeq")."""
    parts = name_key(anchor_text).split()
    return parts[-1] if parts else ""


def _agent_at(toks: Sequence[str], v: int, names: set[str]) -> str | None:
    """The actor of the verb at token v: the nearest name before it, or after "by" if passive."""
    if _passive_after(toks, v):
        return next((t for t in toks[v + 1 :] if t in names), None)
    return next((t for t in reversed(toks[:v]) if t in names), None)


def _sides(evidence: str, verb_stem: str, names: set[str]) -> list[tuple[set[str], set[str]]]:
    """For each use of the verb in `evidence`: (claim names on its actor side, on its other side)."""
    toks = [t for t, _, _ in _tokens(evidence)]
    out = []
    for v, tok in enumerate(toks):
        if stem(tok) != verb_stem:
            continue
        before = {t for t in toks[:v] if t in names}
        after = [t for t in toks[v + 1 :] if t in names]
        if not before or not after:
            continue  # the verb needs an actor on each side to say who did what to whom
        # Active: any name before the verb may be its subject (appositives: "Pakpour, Commander
        # of the Ground Forces, announced"). Passive: the agent is the first name after "by".
        out.append(({after[0]}, before) if _passive_after(toks, v) else (before, set(after)))
    return out


def find_role_reversal(claim: str, evidence_sentences: Sequence[str]) -> RoleConflict | None:
    """A RoleConflict when the evidence puts the claim's actor on the receiving side of its verb."""
    anchors = [a for a in find_anchors(claim) if a.kind == "name"]
    names = {_name_word(a.text) for a in anchors} - {""}
    if len(names) < 2:
        return None
    toks = _tokens(claim)
    words = [t for t, _, _ in toks]
    for v, (tok, start, end) in enumerate(toks):
        if not _is_verb(tok):
            continue
        if not any(a.end <= start for a in anchors) or not any(a.start >= end for a in anchors):
            continue
        agent = _agent_at(words, v, names)
        if agent is None:
            continue
        uses = [(s, side) for s in evidence_sentences for side in _sides(s, stem(tok), names)]
        # Reversed only if, wherever the evidence uses this verb between the claim's actors,
        # the claim's actor is on the receiving side and never on the acting side.
        if uses and all(agent not in acting and agent in other for _, (acting, other) in uses):
            witness, (acting, _) = uses[0]
            return RoleConflict(tok, _display(anchors, agent), _display(anchors, sorted(acting)[0]), witness)
    return None


def _display(anchors: Sequence[Anchor], word: str) -> str:
    for a in anchors:
        if _name_word(a.text) == word:
            return a.text
    return word
