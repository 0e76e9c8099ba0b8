"""rag/answer_assembly.py: the one path from a draft to an Answer, for questions and jobs alike.

The cite-and-check step is a stand-in that keeps or drops every sentence, so each rule
(fallback, strict mode, refusal, a drafted reply, notes said once) is seen on its own;
a kept sentence is always unsupported, as lenient mode keeps it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from newsrag.types import AnswerSentence, Citation, Draft, DraftSentence, Passage, SupportCheck
from rag.answer_assembly import assemble, check_drafted
from rag.jobs.job_draft import Drafted, JobDraft, reply


def _cite(keep: bool):
    def cite(draft: Draft, passages: Sequence[Passage], strict: bool) -> tuple[list[AnswerSentence], list[Citation]]:
        if not keep:
            return [], []
        check = SupportCheck(supported=False, score=0.5, method="test")  # lenient mode keeps it
        return [AnswerSentence(s.text, (1,), check) for s in draft.sentences], []
    return cite


def _draft(*texts: str) -> Draft:
    return Draft(tuple(DraftSentence(t, (1,)) for t in texts), False)


def _answer(drafted: Drafted, keep: bool, strict: bool = False):
    notes: list[str] = []
    checked = check_drafted(drafted, _cite(keep), strict, notes)
    return assemble("Q?", "Q?", checked, refusal="I could not find it.", timings=(), started=time.perf_counter(),
                    notes=notes)


def test_a_checked_answer_is_its_sentences_and_an_unsupported_one_is_noted():
    answer = _answer(Drafted(JobDraft("answer", _draft("One.", "Two.")), "offline"), keep=True)
    assert answer.kind == "answer" and not answer.refused and answer.text == "One. Two."
    assert answer.notes == ("2 sentence(s) not supported by their citations",)
    assert [t.stage for t in answer.timings] == ["total"]


def test_a_draft_that_keeps_no_sentence_refuses_with_the_question_refusal():
    answer = _answer(Drafted(JobDraft("summary", _draft("One.")), "offline"), keep=False)
    assert answer.refused and answer.kind == "refusal" and answer.text == "I could not find it."
    assert answer.notes == ("no sentence was supported by its citations in strict mode",)


def test_an_llm_draft_that_keeps_nothing_falls_back_to_the_offline_one_built_only_then():
    built: list[str] = []

    def offline() -> JobDraft:
        built.append("offline")
        return JobDraft("answer", Draft((), True, ("offline note",)))

    kept = _answer(Drafted(JobDraft("answer", _draft("Invented.")), "llm", offline=offline), keep=True)
    assert kept.answerer == "llm" and built == []
    dropped = _answer(Drafted(JobDraft("answer", _draft("Invented.")), "llm", offline=offline), keep=False)
    assert built == ["offline"] and dropped.answerer == "offline" and dropped.refused
    assert dropped.notes[0] == ("no sentence of the LLM answer was supported by its citations; "
                                "fell back to the offline answerer")
    assert "offline note" in dropped.notes


def test_a_drafted_reply_is_said_as_written_and_is_not_a_refusal():
    answer = _answer(Drafted(reply("greeting", "Hello.", ("Ask me X",)), "offline",
                             notes=("said", "said")), keep=False)
    assert answer.kind == "greeting" and not answer.refused
    assert answer.text == "Hello.\n- Ask me X" and answer.suggestions == ("Ask me X",)
    assert answer.notes == ("said",)
