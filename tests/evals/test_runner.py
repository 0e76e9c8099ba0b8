"""The runner end to end on a tiny corpus (real Chroma, real model), plus scoring, judge, generator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.configs import CONFIGS, available_configs, resolve_configs
from evals.generate import BLANK, draft_questions, write_drafts
from evals.gold import GoldEvidence, GoldItem, LocatedEvidence, load_gold, write_items
from evals.metrics import summarize
from evals.runner import (
    EvalRequest,
    GoldContext,
    judge_score,
    run_eval,
    run_eval_command,
    score_answer,
    score_retrieval,
)
from newsrag.errors import InputError
from newsrag.settings import Settings
from newsrag.types import Answer, AnswerSentence, Chunk, Citation, Passage, SupportCheck
from tests.fakes import FakeChatModel

HOSTILE = "<script>alert('x')</script> **Click** [here](http://evil.example) | pipe"

ARTICLES = {
    "harbour.txt": "New harbour opens in Lumen\n"
    "The city of Lumen opened its new harbour on June 4, 2024.\n"
    "Mayor Tove Brandt said the harbour cost 120 million crowns.\n"
    "Ships from Norway will dock there every week.\n",
    "bridge.txt": "Bridge closed for repairs\n"
    "The Arlen bridge was closed on May 12 after cracks were found.\n"
    "Engineer Pia Holm said repairs will take three months.\n"
    f"{HOSTILE} the bridge has a toll.\n",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("tiny")
    articles = root / "articles"
    articles.mkdir()
    for name, text in ARTICLES.items():
        (articles / name).write_text(text, encoding="utf-8")
    items = [
        GoldItem("q-open", "When did Lumen open its new harbour?", True, ("June 4, 2024", "June 4"),
                 (GoldEvidence("The city of Lumen opened its new harbour on June 4, 2024.", "harbour.txt"),),
                 types=("single", "when")),
        GoldItem("q-cost", "How much did the Lumen harbour cost?", True, ("120 million crowns",),
                 (GoldEvidence("Mayor Tove Brandt said the harbour cost 120 million crowns."),), types=("single",)),
        GoldItem("q-repair", "How long will the Arlen bridge repairs take?", True, ("three months",),
                 (GoldEvidence("Engineer Pia Holm said repairs will take three months.", "bridge.txt"),),
                 types=("single",)),
        # Never answerable as worded ("moat" is not in the article): a certain failures-table row
        # whose expected and cited columns carry the hostile markup.
        GoldItem("q-toll", "Does the Arlen bridge have a toll?", True, (f"{HOSTILE} moat",),
                 (GoldEvidence(f"{HOSTILE} the bridge has a toll.", "bridge.txt"),), types=("single",)),
        GoldItem("u-dead", "How many people died when the Arlen bridge cracked?", False, (), (),
                 types=("unanswerable",)),
    ]
    questions = root / "qs.jsonl"
    write_items(items, questions)
    return articles, questions


@pytest.fixture(scope="module")
def report(corpus, tmp_path_factory):
    """The real packaged model (loaded once per process and shared with the CI gate)."""
    articles, questions = corpus
    out = tmp_path_factory.mktemp("report")
    settings = Settings(data_dir=tmp_path_factory.mktemp("unused-data"))
    return run_eval(settings, questions, ["llamaindex-baseline", "dense", "hybrid", "hybrid+offline"], out,
                    articles=articles), out


def test_run_eval_scores_every_configuration_on_every_question(report):
    rep, _ = report
    assert [r.config.name for r in rep.results] == ["llamaindex-baseline", "dense", "hybrid", "hybrid+offline"]
    for result in rep.results:
        assert len(result.scores) == 5
        assert result.summary.answerable == 4 and result.summary.unanswerable == 1
        assert result.summary.hit_at_5 is not None and result.summary.errors == 0
    product = rep.result("hybrid+offline")
    assert product.summary.answer_accuracy is not None and product.summary.refusal_recall is not None
    assert product.summary.hit_at_5 == 1.0  # two tiny articles: the evidence is always retrieved
    assert all(s.answered for s in product.scores)
    assert rep.result("hybrid").summary.answer_accuracy is None  # retrieval only
    assert "SentenceSplitter nodes" in rep.result("llamaindex-baseline").note
    assert dict(rep.composition) == {"single": 4, "unanswerable": 1}


def test_report_files_are_written_and_article_markup_is_inert(report):
    rep, out = report
    for name in ("report.json", "report.md", "metrics.png", "latency.png"):
        assert (out / name).stat().st_size > 0
    assert (out / "metrics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads((out / "report.json").read_text())
    assert data["results"][3]["summary"]["answer_accuracy"] == rep.result("hybrid+offline").summary.answer_accuracy
    md = (out / "report.md").read_text()
    assert "| hybrid+offline |" in md
    assert "<script>" not in md and "](http" not in md and "http://evil" not in md
    assert "&lt;script&gt;" in md  # the hostile text is shown, escaped, in the failures/expected columns


def test_unknown_config_and_llm_without_llm_are_refused(tmp_path):
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(InputError, match="expected a configuration among"):
        resolve_configs(["turbo"], settings)
    with pytest.raises(InputError, match="NEWSRAG_LLM_BASE_URL"):
        resolve_configs(["llm"], settings)
    assert "llm" not in available_configs(settings)
    assert "llm" in available_configs(Settings(data_dir=tmp_path, llm_base_url="http://127.0.0.1:9/v1"))
    assert "llm" in available_configs(Settings(data_dir=tmp_path, llm_gguf_path=tmp_path / "m.gguf"))
    assert [c.name for c in resolve_configs(None, settings)] == [n for n in CONFIGS if n != "llm"]


def test_newsrag_eval_reports_bad_input_and_exits_2(tmp_path, capsys):
    from cli.main import main

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": "?"}\n', encoding="utf-8")
    code = main(["eval", "--questions", str(bad), "--out", str(tmp_path / "out"), "--data-dir", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "line 1" in err and "accepted answer" in err and "FORMAT.md" in err


# ------------------------------------------------------------------ scoring an Answer (pure)


def _chunk(text: str, start: int, article: str = "A") -> Chunk:
    return Chunk(id=f"{article}:{start}", article_id=article, ordinal=0, text=text, start=start,
                 end=start + len(text), title="T", source_path=f"/x/{article}.txt", token_count=10)


def _ctx() -> GoldContext:
    item = GoldItem("q", "When was the deadline?", True, ("September 19",),
                    (GoldEvidence("The deadline was September 19."),))
    return GoldContext(item, (LocatedEvidence("q", "The deadline was September 19.", "A", 100, 130),))


def test_score_answer_hand_computed():
    good = _chunk("Intro. The deadline was September 19. More.", 93)
    other = _chunk("Unrelated text about trade.", 500)
    ok = SupportCheck(True, 0.9, "verbatim")
    bad = SupportCheck(False, 0.1, "heuristic", ("date not in passage",))
    answer = Answer(
        question="When was the deadline?", query="When was the deadline?",
        text="The deadline was September 19 [1]. Trade grew [2]. Also this.",
        sentences=(AnswerSentence("The deadline was September 19 [1].", (1,), ok),
                   AnswerSentence("Trade grew [2].", (2,), bad),
                   AnswerSentence("Also this.", (), bad)),
        citations=(Citation(1, "A", good.id, "T", "/x/A.txt", good.text, "The deadline was September 19.", 100, 130),
                   Citation(2, "A", other.id, "T", "/x/A.txt", other.text, "Unrelated text about trade.", 500, 527)),
        passages=(Passage(other, 0.9, 1), Passage(good, 0.8, 2)), refused=False, answerer="offline",
    )
    s = score_answer(_ctx(), answer, total_relevant=1, latency_ms=12.0)
    assert s.relevance == (False, True) and s.correct is True
    assert s.citation_ok == (True, False)  # [2] holds no evidence and its sentence failed the check
    assert s.sentence_cites == (1, 1, 0) and s.sentence_supported == (True, False, False)
    summary = summarize([s])
    assert summary.citation_precision == 0.5
    assert summary.citation_recall == pytest.approx(1 / 3) and summary.faithfulness == pytest.approx(1 / 3)
    assert summary.mrr == 0.5


def test_offsets_alone_make_a_passage_relevant_and_refusals_are_wrong():
    # The chunk cuts the evidence sentence but covers more than half of its offsets.
    partial = _chunk("The deadline was Sept", 100)
    assert _ctx().relevant(partial)
    assert not _ctx().relevant(_chunk("The deadline was Sept", 120))
    refusal = Answer("q", "q", "The indexed articles do not say when the deadline was.", (), (),
                     (Passage(partial, 1.0, 1),), True, "offline")
    s = score_answer(_ctx(), refusal, 1, 5.0)
    assert s.refused and s.correct is False and s.f1 == 0.0 and s.relevance == (True,)
    assert score_retrieval(_ctx(), (), [partial], 1.0).relevance == ()


def _judge(reply: str) -> FakeChatModel:
    """The LLM judge: replies `reply`, or times out when it is "raise"."""
    if reply == "raise":
        return FakeChatModel(name="fake-judge", fail_after=0, error=TimeoutError("judge timed out"))
    return FakeChatModel(reply, name="fake-judge")


@pytest.mark.parametrize(("reply", "expected"), [
    ('{"correct": true, "faithful": false}', (True, False, False)),
    ("I think it is right.", (None, None, True)),
    ('{"correct": "yes", "faithful": true}', (None, None, True)),
    ("raise", (None, None, True)),
])
def test_judge_verdicts_and_failures(reply, expected):
    base = score_retrieval(_ctx(), (), [], None)
    answer = Answer("q", "q", "September 19.", (), (), (), False, "offline")
    judged = judge_score(base, answer, _judge(reply))
    assert (judged.judge_correct, judged.judge_faithful, judged.judge_failed) == expected


# ------------------------------------------------------------------ the generator


def test_generator_drafts_cloze_questions_whose_evidence_is_article_text(tmp_path):
    text = ARTICLES["harbour.txt"].split("\n", 1)[1]
    chunks = [_chunk(text, 0, "H"), _chunk("no anchors here at all, only words.", 0, "E")]
    drafts = draft_questions(chunks)
    assert len(drafts) == 1
    item = drafts[0]
    assert item.draft and BLANK in item.question and item.evidence[0].text in text
    assert item.answers[0] in item.evidence[0].text and item.answers[0] not in item.question.split(":", 1)[1]
    path = write_drafts(drafts, tmp_path / "drafts.jsonl")
    with pytest.raises(InputError, match="--include-drafts"):
        load_gold(path)
    assert load_gold(path, include_drafts=True).items[0].id == item.id
    write_drafts(drafts, path)  # a drafts-only file may be overwritten


def test_generator_refuses_to_overwrite_a_curated_file(tmp_path):
    curated = tmp_path / "curated.jsonl"
    write_items([GoldItem("c", "Q?", False, (), ())], curated)
    with pytest.raises(InputError, match="curated content"):
        write_drafts([], curated)
    assert load_gold(curated).items[0].id == "c"


def test_eval_request_generate_writes_drafts_from_articles_without_touching_the_index(corpus, tmp_path, capsys):
    articles, _ = corpus
    settings = Settings(data_dir=tmp_path / "user-data")
    out = tmp_path / "drafts.jsonl"
    assert run_eval_command(EvalRequest(generate=out, articles=articles), settings) == 0
    drafts = load_gold(out, include_drafts=True).items
    assert drafts and all(d.draft for d in drafts)
    assert {d.evidence[0].file for d in drafts} <= set(ARTICLES)
    assert not settings.data_dir.exists()  # drafted from a temp index, not the user's
    assert "draft question(s)" in capsys.readouterr().out
