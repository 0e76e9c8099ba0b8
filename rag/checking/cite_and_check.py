"""Number an answer's citations and check every sentence against what it cites.

`cite_and_check(draft, passages, checker, strict)` turns an answerer's draft (sentences
with the evidence spans or passage numbers they rest on) into `AnswerSentence`s with
1-based `[n]` markers and `Citation`s numbered by distinct evidence span: two sentences
quoting the same span share its number. Each sentence is checked by the support checker
against exactly the citations it will show; in strict mode a sentence that fails is
dropped and the rest renumbered.

Deliberately left out: what else a citation carries for a researcher (dates, other copies
of the story: rag/research/provenance.py) and finding conflicting sources (rag/research/disputed_claims.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from newsrag.protocols import Checker
from newsrag.types import AnswerSentence, Citation, Draft, Evidence, Passage, SupportCheck


def cite_and_check(draft: Draft, passages: Sequence[Passage], checker: Checker, strict: bool
                   ) -> tuple[list[AnswerSentence], list[Citation]]:
    """Number citations by distinct evidence span, check each sentence, apply strict mode."""
    if draft.refused:
        return [], []
    groups: list[tuple[str, list[Evidence]]] = []
    for s in draft.sentences:
        evidence = [e for e in s.evidence if 1 <= e.passage_number <= len(passages)]
        if not evidence:
            for n in s.cites:
                if 1 <= n <= len(passages):
                    span = checker.locate(s.text, passages[n - 1])
                    evidence.append(Evidence(n, span.start, span.end))
        groups.append((s.text, evidence))

    def number(kept: Sequence[tuple[str, list[Evidence], SupportCheck]]
               ) -> tuple[list[AnswerSentence], list[Citation]]:
        keys: dict[tuple[str, int, int], int] = {}
        cites: list[Citation] = []
        out: list[AnswerSentence] = []
        for text, evidence, check in kept:
            nums: list[int] = []
            for e in evidence:
                p = passages[e.passage_number - 1]
                key = (p.chunk.id, e.start, e.end)
                if key not in keys:
                    keys[key] = len(cites) + 1
                    cites.append(citation_of(keys[key], p, e))
                if keys[key] not in nums:
                    nums.append(keys[key])
            marker = "".join(f"[{n}]" for n in nums)
            out.append(AnswerSentence(f"{text} {marker}".strip(), tuple(nums), check))
        return out, cites

    # First pass: only the citation numbers each sentence will get, to check it against them.
    provisional, cites = number([(t, ev, _UNCHECKED) for t, ev in groups])
    by_number = {c.number: c for c in cites}
    checked = []
    for (text, evidence), numbered in zip(groups, provisional, strict=True):
        check = checker.check(text, [by_number[n] for n in numbered.citations])
        if strict and not check.supported:
            continue
        checked.append((text, evidence, check))
    return number(checked)


_UNCHECKED = SupportCheck(False, 0.0, "unchecked")  # a sentence's check before the checker ran


def citation_of(number: int, passage: Passage, e: Evidence) -> Citation:
    chunk = passage.chunk
    start = max(chunk.start, min(e.start, chunk.end))
    end = max(start, min(e.end, chunk.end))
    quote = chunk.text[start - chunk.start : end - chunk.start]
    return Citation(
        number=number, article_id=chunk.article_id, chunk_id=chunk.id, title=chunk.title,
        source_path=chunk.source_path, passage=chunk.text, quote=quote, start=start, end=end,
        source=chunk.source, dateline=chunk.dateline, published=chunk.published,
    )
