"""The Assistant contract: validation, citations, checking, strict mode, fallbacks, streaming."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsrag.errors import BackendError, InputError
from newsrag.settings import Settings
from newsrag.types import Answer, AskOptions, SearchFilter
from rag.assistant import Assistant, clean_question
from rag.language.refusal import question_refusal
from tests.fakes import FakeChatModel
from tests.rag.conftest import article_id_of

DEADLINE_Q = "What was the September 19 deadline?"


def failing_model() -> FakeChatModel:
    """A ChatModel whose server is down."""
    return FakeChatModel(name="failing-llm", fail_after=0, error=BackendError(
        "LLM server at http://127.0.0.1:9 refused the connection", fix="start it"))


def inventing_model() -> FakeChatModel:
    """A ChatModel that cites passage 1 for a claim no passage makes."""
    return FakeChatModel(["The deadline was October 3, 1999 ", "according to the Lunar Council [1]."],
                         name="inventing-llm")


def _with_model(tmp_path, fake_reader, model, **settings_kw) -> Assistant:
    from rag.checking.support_checker import SupportChecker

    settings = Settings(data_dir=tmp_path / "d", answerer="openai", llm_base_url="http://127.0.0.1:9/v1", **settings_kw)
    return Assistant.from_settings(settings, embedder=fake_reader.embedder, reader=fake_reader, chat_model=model,
                                   checker=SupportChecker())


def test_deadline_answer_is_cited_to_seed_003_and_checked(fake_assistant, seed_articles):
    answer = fake_assistant.ask(DEADLINE_Q)
    assert not answer.refused and answer.answerer == "offline"
    assert "deadline of September 19" in answer.text and "[1]" in answer.text
    assert answer.citations[0].number == 1
    assert answer.citations[0].article_id == article_id_of(seed_articles, "003")
    assert answer.citations[0].quote in answer.citations[0].passage
    assert answer.supported and all(s.check.supported for s in answer.sentences)
    for s in answer.sentences:
        assert all(1 <= n <= len(answer.citations) for n in s.citations)
    assert [t.stage for t in answer.timings] == ["condense", "embed", "retrieve", "answer", "check", "disagree",
                                               "total"]
    assert answer.timing("total") >= answer.timing("answer") >= 0


def test_refusal_keeps_the_closest_passages(fake_assistant):
    answer = fake_assistant.ask("What was the October 3 deadline?")
    assert answer.refused and answer.sentences == () and answer.citations == ()
    assert answer.text == "I could not find what the October 3 deadline was in the indexed articles."
    assert answer.passages, "the UI shows the closest passages under a refusal"


@pytest.mark.parametrize("bad", ["", "   \n\t  ", "\x00\x07"])
def test_empty_questions_are_input_errors(fake_assistant, bad):
    with pytest.raises(InputError, match="expected a question, got an empty string"):
        fake_assistant.ask(bad)


def test_too_long_question_names_both_numbers_and_the_fix(fake_assistant):
    with pytest.raises(InputError) as info:
        fake_assistant.ask("why " * 25_000)  # 100 KB
    assert "2000" in str(info.value) and "99999" in str(info.value)
    assert "NEWSRAG_MAX_QUESTION_CHARS" in str(info.value)


def test_control_characters_are_stripped(fake_assistant):
    answer = fake_assistant.ask("What was the\x00 September 19\x1b deadline?\u200b")
    assert answer.question == "What was the September 19 deadline?"
    assert not answer.refused


@pytest.mark.parametrize("question",
                         ["ما هو الموعد النهائي في 19 سبتمبر؟", "九月十九日的最后期限是什么？", "???", "🙂"])
def test_other_scripts_answer_or_refuse_gracefully(fake_assistant, question):
    answer = fake_assistant.ask(question)
    assert isinstance(answer, Answer) and answer.text
    assert answer.refused or answer.citations


def test_filters_reach_retrieval(fake_assistant, seed_articles):
    only = article_id_of(seed_articles, "000")
    answer = fake_assistant.ask(DEADLINE_Q, options=AskOptions(filter=SearchFilter(article_ids=(only,))))
    assert answer.refused  # the deadline is only in 003
    assert {p.chunk.article_id for p in answer.passages} == {only}


def test_a_filter_that_matches_no_article_says_so(fake_assistant):
    answer = fake_assistant.ask(DEADLINE_Q, options=AskOptions(filter=SearchFilter(sources=("Nowhere Times",))))
    assert answer.refused and not answer.passages
    assert any("no indexed article matches the filter (source 'Nowhere Times')" in n for n in answer.notes)


def test_top_k_option(fake_assistant):
    assert len(fake_assistant.ask(DEADLINE_Q, options=AskOptions(top_k=2)).passages) <= 2


def test_llm_failure_falls_back_to_offline_with_a_note(tmp_path, fake_reader):
    assistant = _with_model(tmp_path, fake_reader, failing_model())
    answer = assistant.ask(DEADLINE_Q)
    assert answer.answerer == "offline" and not answer.refused
    assert any("fell back to the offline answerer" in n for n in answer.notes)


def test_strict_mode_replaces_an_unsupported_llm_answer(tmp_path, fake_reader):
    assistant = _with_model(tmp_path, fake_reader, inventing_model())
    lenient = assistant.ask(DEADLINE_Q, options=AskOptions(strict=False))
    assert lenient.answerer == "inventing-llm" and not lenient.supported
    strict = assistant.ask(DEADLINE_Q, options=AskOptions(strict=True))
    assert strict.answerer == "offline" and strict.supported and not strict.refused
    assert any("fell back to the offline answerer" in n for n in strict.notes)


def test_an_llm_endpoint_alone_answers_offline_unless_a_question_asks_for_the_llm(tmp_path, fake_reader):
    """NEWSRAG_LLM_BASE_URL without NEWSRAG_ANSWERER: the LLM is there for the questions that ask."""
    from rag.checking.support_checker import SupportChecker
    from rag.llm.chat_models import build_chat_model

    settings = Settings(data_dir=tmp_path / "d", llm_base_url="http://127.0.0.1:9/v1")
    assert build_chat_model(settings) is not None
    model = FakeChatModel("Tehran set a deadline of September 19 [1].", name="endpoint-llm")
    assistant = Assistant.from_settings(settings, embedder=fake_reader.embedder, reader=fake_reader,
                                        chat_model=model, checker=SupportChecker())
    assert assistant.ask(DEADLINE_Q).answerer == "offline" and model.prompts == []
    assert assistant.ask(DEADLINE_Q, options=AskOptions(answerer="llm")).answerer == "endpoint-llm"


def test_offline_option_overrides_a_configured_llm(tmp_path, fake_reader):
    assistant = _with_model(tmp_path, fake_reader, inventing_model())
    assert assistant.ask(DEADLINE_Q, options=AskOptions(answerer="offline")).answerer == "offline"


def test_stream_yields_text_then_the_answer(fake_assistant):
    items = list(fake_assistant.stream(DEADLINE_Q))
    assert isinstance(items[-1], Answer)
    deltas = items[:-1]
    assert len(deltas) >= 2 and all(isinstance(d, str) for d in deltas)
    assert "".join(deltas).strip() == items[-1].text


def test_stream_raises_input_errors_before_streaming(fake_assistant):
    with pytest.raises(InputError):
        next(iter(fake_assistant.stream("  ")))


def test_llm_stream_deltas_reach_the_caller(tmp_path, fake_reader):
    items = list(_with_model(tmp_path, fake_reader, inventing_model()).stream(DEADLINE_Q))
    assert items[:-1] == ["The deadline was October 3, 1999 ", "according to the Lunar Council [1]."]
    assert isinstance(items[-1], Answer)


def test_article_status_examples_refresh(fake_assistant, seed_articles):
    some = seed_articles[0]
    assert fake_assistant.article(some.id) == some
    with pytest.raises(InputError, match="expected the id of an indexed article"):
        fake_assistant.article("nope")
    assert fake_assistant.status().articles == len(seed_articles)
    examples = fake_assistant.example_questions(4)
    assert len(examples) == 4 and len(set(examples)) == 4
    assert any("September 19" in q for q in examples)
    fake_assistant.refresh()
    assert fake_assistant.ask(DEADLINE_Q).citations


def test_refusal_text_is_indirect_where_easy():
    assert question_refusal("Who is the mayor of Paris?") == (
        "I could not find who the mayor of Paris is in the indexed articles.")
    assert question_refusal("How many people died?") == "I could not find how many people died in the indexed articles."
    assert question_refusal("Did it rain?") == "I could not find an answer to “Did it rain?” in the indexed articles."
    assert clean_question("  a\tb  ", 10) == "a b"


# --------------------------------------------------------------------------- end to end (real model + Chroma)


def test_real_index_answers_and_cites_seed_003(real_assistant):
    answer = real_assistant.ask(DEADLINE_Q)
    assert not answer.refused and answer.supported
    assert Path(answer.citations[0].source_path).name.startswith("003_")
    assert "September 19" in answer.citations[0].quote
    article = real_assistant.article(answer.citations[0].article_id)
    c = answer.citations[0]
    assert article.text[c.start : c.end] == c.quote


@pytest.mark.parametrize("question",
                         ["What was the October 3 deadline?", "How many people died in the Tripoli attack?"])
def test_real_index_refuses_unanswerable_questions(real_assistant, question):
    answer = real_assistant.ask(question)
    assert answer.refused and answer.passages


def test_real_index_follow_up_and_examples(real_assistant):
    from rag.conversation import ChatSession

    session = ChatSession(real_assistant)
    first = session.ask("Who is Iran's ambassador to Baghdad?")
    assert "Al-e Sadeq" in first.text
    second = session.ask("What did he say about a ground operation?")
    assert "Al-e Sadeq" in second.query
    assert not second.refused and "ground" in second.text.lower()
    assert any("September 19" in q for q in real_assistant.example_questions(4))
