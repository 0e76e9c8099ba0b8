"""rag/research/provenance.py and rag/research/timeline.py on real dated articles: dates, copies, the timeline.

The articles are Global Voices stories from the development data (CC BY 3.0), plus a
republished copy of one of them (a new headline, a wire line, the last paragraph dropped),
behind the shared FakeIndexReader, which computes dates and duplicate groups with the
indexer's own functions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

from index.ids import article_id
from newsrag.settings import Settings
from newsrag.types import Article, AskOptions, Citation, SearchFilter
from rag.research.provenance import Provenance, dated_short_answer
from tests.fakes import FakeIndexReader, chunk_articles

DEVDATA = Path(__file__).resolve().parents[2] / "evals" / "devdata"


def _globalvoices(n: int) -> list[Article]:
    with gzip.open(DEVDATA / "globalvoices" / "articles.jsonl.gz", "rt", encoding="utf-8") as f:
        records = [json.loads(line) for _, line in zip(range(n), f, strict=False)]
    return [Article(article_id(r["title"], r["text"], r.get("url")), r["title"], r["text"], f"gv/{r['id']}.json",
                    url=r.get("url"), source=r.get("source"), published=dt.date.fromisoformat(r["published"][:10]),
                    published_origin="json-field") for r in records]


def _republished(original: Article) -> Article:
    paragraphs = original.text.split("\n")
    text = "\n".join(["(Wire) — " + paragraphs[0], *paragraphs[1:-1]])
    return Article(article_id("Copy: " + original.title, text, None), "Copy: " + original.title, text,
                   "wire/copy.txt", source="Wire Service", published=original.published + dt.timedelta(days=1),
                   published_origin="dateline")


@pytest.fixture(scope="module")
def corpus() -> list[Article]:
    articles = _globalvoices(12)
    return [*articles, _republished(articles[0])]


@pytest.fixture
def reader(corpus, hash_embedder) -> FakeIndexReader:
    return FakeIndexReader(corpus, chunk_articles(corpus), hash_embedder)


def _citation(article: Article, start: int, end: int, number: int = 1) -> Citation:
    return Citation(number=number, article_id=article.id, chunk_id="c", title=article.title,
                    source_path=article.source_path, passage=article.text, quote=article.text[start:end],
                    start=start, end=end, published=article.published)


def test_a_cited_sentence_carries_its_resolved_dates_and_the_storys_copies(reader, corpus) -> None:
    original, copy = corpus[0], corpus[-1]
    mentions = reader.date_mentions([original.id])
    relative = next(m for m in mentions if m.relative)
    sentence_end = original.text.find(".", relative.end) + 1
    (done,) = Provenance(reader).complete([_citation(original, relative.start, sentence_end)])
    assert relative in done.dates and all(m.article_id == original.id for m in done.dates)
    assert [r.article_id for r in done.also_in] == [copy.id]
    assert done.also_in[0].source == "Wire Service"


def test_a_storys_copies_are_read_once_for_every_copy_cited(corpus, hash_embedder, monkeypatch) -> None:
    """Each copy lists the others, never itself; the group's articles are read once, not once per copy."""
    original, copy = corpus[0], corpus[-1]
    title, text = "Again: " + copy.title, copy.text + " (Updated.)"
    again = dataclasses.replace(copy, id=article_id(title, text, None), title=title, text=text,
                                source_path="wire/again.txt")
    articles = [*corpus, again]
    reader = FakeIndexReader(articles, chunk_articles(articles), hash_embedder)
    reads: list[str] = []
    read = reader.article
    monkeypatch.setattr(reader, "article", lambda aid: reads.append(aid) or read(aid))
    provenance = Provenance(reader)
    story = {original.id, copy.id, again.id}
    for member in (original, copy, again, original):
        assert {r.article_id for r in provenance.copies_of(member.id)} == story - {member.id}
    assert sorted(reads) == sorted(story)


def test_an_undated_quote_has_no_dates_and_an_unrepublished_story_no_copies(reader, corpus) -> None:
    article = corpus[5]
    first = article.text.split(".")[0]
    dated = {(m.start, m.end) for m in reader.date_mentions([article.id])}
    (done,) = Provenance(reader).complete([_citation(article, 0, len(first))])
    assert all((m.start, m.end) in dated for m in done.dates)
    assert done.also_in == ()


def test_a_when_answer_gets_the_absolute_date_of_its_relative_span(reader, corpus) -> None:
    article = corpus[0]
    relative = next(m for m in reader.date_mentions([article.id]) if m.relative)
    (done,) = Provenance(reader).complete([_citation(article, relative.start, relative.end)])
    assert dated_short_answer(relative.text, done) == f"{relative.text} ({relative.label})"
    assert dated_short_answer("not in the quote", done) == "not in the quote"
    assert dated_short_answer(None, done) is None


@pytest.fixture
def assistant(tmp_path, reader):
    from rag.assistant import Assistant
    from rag.checking.support_checker import SupportChecker

    return Assistant.from_settings(Settings(data_dir=tmp_path / "data"), embedder=reader.embedder, reader=reader,
                                   chat_model=None, checker=SupportChecker(embedder=None))


def test_the_timeline_lists_dated_sentences_earliest_first_one_copy_per_story(assistant, corpus) -> None:
    original, copy = corpus[0], corpus[-1]
    timeline = assistant.timeline(original.title)
    assert timeline.entries and timeline.articles >= 1
    keys = [(e.date.value, e.date.granularity) for e in timeline.entries]
    assert [k[0] for k in keys] == sorted(k[0] for k in keys)
    for e in timeline.entries:
        assert e.sentence and e.start <= e.date.start < e.date.end <= e.end
        assert e.sentence[e.date.start - e.start:e.date.end - e.start] == e.date.text
    ids = {e.article_id for e in timeline.entries}
    assert not {original.id, copy.id} <= ids  # the republished copy is not listed beside its original
    listed = original.id if original.id in ids else copy.id
    assert all(e.also_in for e in timeline.entries if e.article_id == listed)


def test_the_timeline_follows_the_date_filter(assistant, corpus) -> None:
    latest = max(a.published for a in corpus if a.published)
    timeline = assistant.timeline(corpus[0].title, AskOptions(filter=SearchFilter(date_from=latest)))
    assert all(e.published == latest for e in timeline.entries)


def test_a_timeline_of_undated_articles_says_why_it_is_empty(tmp_path, corpus, hash_embedder) -> None:
    from rag.assistant import Assistant
    from rag.checking.support_checker import SupportChecker

    undated = [dataclasses.replace(a, published=None, published_origin=None,
                                   text=a.text.replace("2019", "").replace("2020", "")) for a in corpus[:3]]
    reader = FakeIndexReader(undated, chunk_articles(undated), hash_embedder)
    assistant = Assistant.from_settings(Settings(data_dir=tmp_path / "d"), embedder=hash_embedder, reader=reader,
                                        chat_model=None, checker=SupportChecker(embedder=None))
    timeline = assistant.timeline(corpus[0].title)
    assert timeline.undated_articles == timeline.articles == 3
    assert all(not e.date.relative for e in timeline.entries)
