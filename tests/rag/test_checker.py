"""The support checker's rules, one by one, on seed-like sentences."""

from __future__ import annotations

import numpy as np
import pytest

from newsrag.errors import ConfigError
from newsrag.types import Chunk, Citation, Passage
from rag.checking.role_reversal import find_role_reversal
from rag.checking.support_checker import CheckerThresholds, SupportChecker

PASSAGE = (
    "Iraq conducted a series of operations to allay Iran's concerns after Tehran set a deadline of "
    "September 19 for the Iraqi Kurdistan Regional Government (KRG) to take action against militant "
    "separatists. According to the commander, the 1,500-kilometer border between Iran and Iraq must be "
    "secure. Iran warned Iraq about the presence of terrorist elements near the border. General Baqeri "
    "toured an exhibition of Iraqi defense equipment."
)


def cite(passage: str = PASSAGE, number: int = 1, quote: str | None = None) -> Citation:
    quote = passage if quote is None else quote
    start = passage.find(quote)
    return Citation(number, "a1", f"a1#{number}", "Title", "seeds/a.txt", passage, quote, start, start + len(quote))


@pytest.fixture(scope="module")
def checker() -> SupportChecker:
    return SupportChecker()


def test_uncited_claim_is_unsupported(checker: SupportChecker) -> None:
    result = checker.check("The deadline was September 19.", [])
    assert (result.supported, result.method) == (False, "uncited")


def test_uncited_refusal_makes_no_claim(checker: SupportChecker) -> None:
    result = checker.check("The indexed articles do not say.", [])
    assert (result.supported, result.method, result.score) == (True, "uncited", 1.0)


def test_verbatim_sentence_with_markers_and_curly_quotes(checker: SupportChecker) -> None:
    result = checker.check("Iran warned Iraq about the presence of terrorist elements near the border [1].", [cite()])
    assert (result.supported, result.method, result.score) == (True, "verbatim", 1.0)


def test_paraphrase_is_supported_by_heuristic(checker: SupportChecker) -> None:
    claim = "Tehran gave the Kurdistan Regional Government a September 19 deadline to act [1]."
    result = checker.check(claim, [cite()])
    assert result.supported and result.method == "heuristic", result.reasons


def test_changed_date_is_named_in_reason(checker: SupportChecker) -> None:
    result = checker.check("Tehran set a deadline of October 3 for the Kurdistan Regional Government [1].", [cite()])
    assert not result.supported
    assert "date 'October 3' not in cited passage [1]" in result.reasons


def test_changed_number_and_name(checker: SupportChecker) -> None:
    number = checker.check("The 2,500-kilometer border between Iran and Iraq must be secure.", [cite()])
    name = checker.check("General Soleimani toured an exhibition of Iraqi defense equipment.", [cite()])
    assert not number.supported and any("number '2,500'" in r for r in number.reasons)
    assert not name.supported and any("name 'Soleimani'" in r for r in name.reasons)


def test_date_elsewhere_in_passage_does_not_support(checker: SupportChecker) -> None:
    passage = "Iraq agreed to disarm the groups by September 19. On September 23, the minister declared success."
    result = checker.check("Iraq agreed to disarm the groups by September 23.", [cite(passage)])
    assert not result.supported
    assert any("not in the sentence that states the rest" in r for r in result.reasons)


def test_role_reversal_active_and_passive(checker: SupportChecker) -> None:
    reversed_ = checker.check("Iraq warned Iran about the presence of terrorist elements near the border.", [cite()])
    assert not reversed_.supported and any("roles reversed" in r for r in reversed_.reasons)
    passive_same = checker.check("Iraq was warned by Iran about terrorist elements near the border.", [cite()])
    assert passive_same.supported, passive_same.reasons
    passive_reversed = checker.check("Iran was warned by Iraq about terrorist elements near the border.", [cite()])
    assert not passive_reversed.supported


def test_role_rule_abstains_without_structure() -> None:
    assert find_role_reversal("Iran and Iraq share a border.", ["Iraq and Iran share a border."]) is None
    assert find_role_reversal("Iran warned Iraq.", ["Iran warned Iraq on Sunday."]) is None


def test_added_unsupported_clause_is_caught(checker: SupportChecker) -> None:
    result = checker.check(
        "General Baqeri toured an exhibition of Iraqi defense equipment, and promised to pay compensation to farmers.",
        [cite()],
    )
    assert not result.supported and any("is mostly not in" in r for r in result.reasons)


def test_unrelated_claim_has_low_coverage(checker: SupportChecker) -> None:
    result = checker.check("Oil prices fell sharply as refineries shut down across the region.", [cite()])
    assert not result.supported and result.score < 0.5


def test_two_citations_are_pooled_and_named(checker: SupportChecker) -> None:
    other = "General Baqeri arrived in Baghdad on Saturday night for a three-day visit."
    ok = checker.check("Baqeri arrived in Baghdad for a three-day visit and toured Iraqi defense equipment.",
                       [cite(), cite(other, number=2)])
    assert ok.supported, ok.reasons
    bad = checker.check("Baqeri arrived in Baghdad for a five-day visit.", [cite(), cite(other, number=2)])
    assert "number 'five' not in cited passages [1], [2]" in bad.reasons


def test_embedder_similarity_gate(hash_embedder) -> None:
    strict = SupportChecker(embedder=hash_embedder, thresholds=CheckerThresholds(min_similarity=0.99))
    loose = SupportChecker(embedder=hash_embedder, thresholds=CheckerThresholds(min_similarity=0.1))
    sentence = "Tehran gave the Kurdistan Regional Government a September 19 deadline to act."
    assert loose.check(sentence, [cite()]).supported
    result = strict.check(sentence, [cite()])
    assert not result.supported and any("similarity" in r for r in result.reasons)


def _passage(text: str, start: int) -> Passage:
    chunk = Chunk("a1#0", "a1", 0, text, start, start + len(text), "Title", "seeds/a.txt", 50)
    return Passage(chunk=chunk, score=1.0, rank=1)


def test_locate_returns_article_offsets_of_best_sentence(checker: SupportChecker, hash_embedder) -> None:
    prefix = "Headline\n" * 3
    article = prefix + PASSAGE
    passage = _passage(PASSAGE, len(prefix))
    for c in (checker, SupportChecker(embedder=hash_embedder)):
        span = c.locate("The border between Iran and Iraq is 1,500 kilometers long [2].", passage)
        assert article[span.start : span.end].startswith("According to the commander, the 1,500-kilometer border")
        assert passage.chunk.start <= span.start < span.end <= passage.chunk.end


class FakeNLI:
    """CrossEncoder-like: label order taken from config.id2label, like real NLI models."""

    class _Config:
        id2label = {0: "contradiction", 1: "entailment", 2: "neutral"}

    class _Model:
        pass

    def __init__(self, entail: float) -> None:
        self.model = self._Model()
        self.model.config = self._Config()
        self.entail = entail
        self.calls: list[tuple[str, str]] = []

    def predict(self, pairs, apply_softmax=False, **kwargs):
        self.calls.extend(pairs)
        rest = (1.0 - self.entail) / 2
        return np.array([[rest, self.entail, rest] for _ in pairs])


def test_nli_replaces_last_step_but_anchors_still_apply() -> None:
    yes = SupportChecker(nli=FakeNLI(0.9))
    result = yes.check("Tehran gave the KRG until September 19 to act against separatists [1].", [cite()])
    assert (result.supported, result.method) == (True, "nli")
    premise, hypothesis = yes._nli.calls[0]
    assert "September 19" in premise and len(premise) < len(PASSAGE)
    no = SupportChecker(nli=FakeNLI(0.2)).check("Tehran gave the KRG until September 19 to act.", [cite()])
    assert not no.supported and any("entailment 0.20" in r for r in no.reasons)
    date = SupportChecker(nli=FakeNLI(0.99)).check("Tehran gave the KRG until October 3 to act.", [cite()])
    assert not date.supported


def test_missing_nli_model_is_config_error() -> None:
    with pytest.raises(ConfigError, match="NEWSRAG_NLI_MODEL"):
        SupportChecker(nli_model="/nonexistent/nli-model")
