"""Extractive summaries: lead plus central sentences from stored vectors; what to summarise."""

from __future__ import annotations

import numpy as np

from newsrag.types import Turn
from rag.jobs.catalog import Catalog
from rag.jobs.extractive_summary import MIN_WORDS, article_sentences, choose_sentences, lead_sentences, summary_job
from rag.jobs.job_request import Request, parse_request
from rag.retrieval.sentence_source import SentenceSource


def _unit(rows: list[list[float]]) -> np.ndarray:
    v = np.asarray(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


TEXTS = ["Iran ended its border mission on Monday after weeks.", "Short one.",
         "The army said the mission had met every goal it set.", "A photo caption about something else entirely here.",
         "Officials said the border mission could start again soon.", "The mission met its goals, the army said today."]
VECTORS = _unit([[1, 0, 0], [0, 1, 1], [0.6, 0.8, 0], [0, 0, 1], [0.8, 0.3, 0.5], [0.58, 0.81, 0]])


def test_lead_then_central_without_repeats_in_article_order():
    chosen = choose_sentences(TEXTS, VECTORS, 3, position_weight=0.0)
    assert chosen[0] == 0  # the lead
    assert 1 not in chosen  # too short to be a statement
    assert chosen == [0, 2, 4]  # 5 repeats 2; 3 is far from the centroid


def test_topic_and_candidates_steer_the_choice():
    chosen = choose_sentences(TEXTS, VECTORS, 1, lead=False, topic=np.array([0, 0, 1], np.float32),
                              candidates=[3, 4])
    assert chosen == [3]


def test_baseline_is_the_first_statements():
    assert lead_sentences(TEXTS, 3) == [0, 2, 3]
    assert all(len(TEXTS[i].split()) >= MIN_WORDS for i in lead_sentences(TEXTS, 3))


def test_article_sentences_are_the_stored_ones_once(fake_reader, hash_embedder):
    # the long Tehrantimes article: several overlapping chunks
    entry = next(e for e in Catalog(fake_reader).entries() if e.article.source == "Tehrantimes")
    sents = article_sentences(entry, SentenceSource(fake_reader, hash_embedder))
    assert len(entry.chunks) > 1
    spans = [(s.start, s.end) for s in sents.spans]
    assert spans == sorted(set(spans)) and sents.vectors.shape[0] == len(spans)
    calls = hash_embedder.calls
    article_sentences(entry, SentenceSource(fake_reader, hash_embedder))
    assert hash_embedder.calls == calls  # read from the index, nothing embedded


def _job(fake_reader, hash_embedder, text, history=()):
    catalog = Catalog(fake_reader)
    return summary_job(parse_request(text, catalog.outlets()), catalog, SentenceSource(fake_reader, hash_embedder),
                       history, hash_embedder.embed_query)


def test_one_article_summary_starts_with_its_lead(fake_reader, hash_embedder):
    job = _job(fake_reader, hash_embedder, "Summarize the article about the Iranian ambassador")
    assert job.kind == "summary" and job.layout == "prose"
    assert job.heading == "Summary of “Iran Amb. to Iraq dismisses claims of land operation in Kurdistan”:"
    assert 2 <= len(job.draft.sentences) <= 3
    article = next(a for a in fake_reader.articles() if a.title.startswith("Iran Amb."))
    assert article.text.startswith(job.draft.sentences[0].text)
    for s in job.draft.sentences:
        assert article.text[s.evidence[0].start : s.evidence[0].end] == s.text


def test_topic_summary_quotes_several_articles_stating_it(fake_reader, hash_embedder):
    job = _job(fake_reader, hash_embedder, "Give me the main points on the Kurdistan region")
    assert job.kind == "summary" and job.layout == "list"
    assert job.heading.startswith("Main points on the Kurdistan region from the 3 best of 4 articles")
    assert all("kurdistan" in s.text.lower() for s in job.draft.sentences)


def test_ordinal_follows_the_previous_list(fake_reader, hash_embedder):
    from newsrag.types import AnswerSentence, Citation, SupportCheck
    from rag.jobs.collection_answers import collection_job
    from rag.jobs.job_draft import answer_text

    catalog = Catalog(fake_reader)
    listed = collection_job(Request(topic="Soleimani"), catalog)
    # the list as a conversation remembers it: its plain text
    cites = [Citation(i + 1, p.chunk.article_id, p.chunk.id, p.chunk.title, p.chunk.source_path, p.chunk.text,
                      s.text, s.evidence[0].start, s.evidence[0].end, p.chunk.source)
             for i, (s, p) in enumerate(zip(listed.draft.sentences, listed.passages, strict=True))]
    sentences = [AnswerSentence(f"{s.text} [{i + 1}]", (i + 1,), SupportCheck(True, 1, "verbatim"))
                 for i, s in enumerate(listed.draft.sentences)]
    turn = Turn("Which articles mention Soleimani?", answer_text(listed, sentences, cites))
    job = _job(fake_reader, hash_embedder, "Summarize the second one", (turn,))
    assert job.heading.startswith(f"Summary of “{listed.passages[1].chunk.title}”")


def test_summarize_it_uses_the_article_the_last_answer_quoted(fake_reader, hash_embedder):
    article = next(a for a in fake_reader.articles() if a.title.startswith("Iran Ends Mission"))
    quoted = article.text.split("\n")[1]
    job = _job(fake_reader, hash_embedder, "Summarize it", (Turn("Who is Kiumars Heidari?", f"{quoted} [1]"),))
    assert job.heading == f"Summary of “{article.title}”:"
    alone = _job(fake_reader, hash_embedder, "summarize that article")
    assert alone.kind == "refusal"


def test_nothing_about_the_topic_is_refused(fake_reader, hash_embedder):
    job = _job(fake_reader, hash_embedder, "Summarize the article about the moon landing")
    assert job.kind == "refusal"
    assert job.reply == "I could not find an article about the moon landing in the indexed articles."
