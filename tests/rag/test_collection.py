"""Collection answers: complete lists from the whole index, counts, outlets, refusals."""

from __future__ import annotations

import dataclasses

from rag.jobs.catalog import Catalog, headline_terms
from rag.jobs.collection_answers import MAX_ITEMS, collection_job
from rag.jobs.job_request import Request, parse_request
from tests.rag.conftest import FakeIndexReader, chunk_articles


def test_mentions_come_from_every_article_not_retrieval(fake_reader, seed_articles):
    catalog = Catalog(fake_reader)
    matches = catalog.mentions("Qassem Soleimani")
    titles = {m.entry.article.title for m in matches}
    expected = {a.title for a in seed_articles if "Soleimani" in a.text}
    assert titles == expected and len(titles) == 2
    for m in matches:  # the first quoted sentence states the name
        assert "Soleimani" in m.sentences[0].of(m.entry.article.text)
    assert fake_reader.all_chunks_calls >= 1


def test_a_topic_must_be_stated_whole_and_demonyms_count(fake_reader):
    catalog = Catalog(fake_reader)
    assert catalog.mentions("Zorblat") == []
    assert catalog.mentions("Qassem Zorblat") == []  # every content word, not any
    iranian = {m.entry.article.id for m in catalog.mentions("Iranian")}
    assert iranian == {m.entry.article.id for m in catalog.mentions("Iran")}


def test_headline_abbreviations_are_spelt_out(seed_articles, hash_embedder):
    assert "ambassador" in headline_terms("Iran Amb. to Iraq dismisses claims")
    # an article that says "ambassador" only as its headline's "Amb." is found through the keyword index
    article = next(a for a in seed_articles if "ambassador" not in a.text.lower())
    plain = dataclasses.replace(article, title="Iran Amb. to Iraq dismisses claims")
    others = [a for a in seed_articles if a.id != article.id and "ambassador" not in a.text.lower()]
    reader = FakeIndexReader([plain, *others], chunk_articles([plain, *others]), hash_embedder)
    catalog = Catalog(reader)
    assert [m.entry.article.id for m in catalog.mentions("Iran's ambassador")] == [plain.id]
    assert catalog.mention_count("ambassador") == 1


def test_catalog_follows_the_index_generation(seed_articles, seed_chunks, hash_embedder):
    reader = FakeIndexReader(seed_articles[:2], chunk_articles(seed_articles[:2]), hash_embedder)
    catalog = Catalog(reader)
    assert len(catalog.entries()) == 2
    reader.bump(seed_articles, seed_chunks)
    assert len(catalog.entries()) == len(seed_articles)


def test_overview_lists_every_article_with_its_lead(fake_reader, seed_articles):
    job = collection_job(parse_request("What are these articles about?"), Catalog(fake_reader))
    assert job.kind == "collection" and job.heading == f"There are {len(seed_articles)} articles in the index:"
    assert len(job.draft.sentences) == len(seed_articles)
    in_index_order = sorted(seed_articles, key=lambda a: a.id)  # the index lists articles by id
    for sentence, article in zip(job.draft.sentences, in_index_order, strict=True):
        evidence = sentence.evidence[0]
        assert article.text[evidence.start : evidence.end] == sentence.text
        assert article.text.startswith(sentence.text)  # the lead


def test_mention_list_has_the_count(fake_reader):
    job = collection_job(parse_request("Which articles mention Qassem Soleimani?"), Catalog(fake_reader))
    assert job.heading == "2 of the 6 indexed articles mention Qassem Soleimani:"
    assert all("Soleimani" in s.text for s in job.draft.sentences)
    assert len(job.passages) == 2 and [p.rank for p in job.passages] == [1, 2]


def test_outlet_list_and_refusals(fake_reader):
    catalog = Catalog(fake_reader)
    job = collection_job(Request(outlet="Tehrantimes"), catalog)
    assert job.heading == "1 of the 6 indexed articles is from Tehrantimes:" and len(job.draft.sentences) == 1
    none = collection_job(Request(outlet="Reuters"), catalog)
    assert none.kind == "refusal" and none.reply == "None of the 6 indexed articles is from Reuters."
    nothing = collection_job(Request(topic="Zorblat"), catalog)
    assert nothing.kind == "refusal" and nothing.reply == "None of the 6 indexed articles mention Zorblat."
    both = collection_job(Request(topic="Soleimani", outlet="Tehrantimes"), catalog)
    assert both.heading == "The only indexed article from Tehrantimes mentions Soleimani:" or \
        both.heading == "1 of the 6 indexed articles from Tehrantimes mentions Soleimani:"


def test_long_lists_are_cut_and_say_so(seed_articles, hash_embedder):
    from dataclasses import replace

    many = [replace(a, id=f"{a.id}-{i}", title=f"{a.title} ({i})") for i in range(3) for a in seed_articles]
    reader = FakeIndexReader(many, chunk_articles(many), hash_embedder)
    job = collection_job(Request(), Catalog(reader))
    assert len(job.draft.sentences) == MAX_ITEMS
    assert job.heading == (f"There are {len(many)} articles in the index "
                           f"(the first {MAX_ITEMS} of {len(many)} are listed):")


def test_an_empty_index_is_said_plainly(hash_embedder):
    job = collection_job(Request(), Catalog(FakeIndexReader([], [], hash_embedder)))
    assert job.kind == "refusal" and "no articles" in (job.reply or "")


def test_mentions_found_through_the_keyword_index_are_those_a_full_scan_finds(fake_reader):
    from rag.jobs.catalog import topic_terms

    catalog = Catalog(fake_reader)
    every = list(catalog.entries())
    for topic in ("Soleimani", "Iranian ground forces", "Baghdad ambassador", "September 19", "Qaani Iraq",
                  "border mission", "Zorblat", "the"):
        wanted = topic_terms(topic)
        scanned = {e.article.id for e in every if wanted and all(v & e.terms for v in wanted)}
        assert {m.entry.article.id for m in catalog.mentions(topic)} == scanned, topic
        assert catalog.mention_count(topic) == len(scanned), topic


def test_articles_are_split_once_and_kept_across_reindexing(seed_articles, seed_chunks, hash_embedder):
    reader = FakeIndexReader(seed_articles[:3], chunk_articles(seed_articles[:3]), hash_embedder)
    catalog = Catalog(reader)
    assert len(catalog.entries()) == 3 and catalog.splits_made == 0  # counting reads no article
    first = [e.article.id for e in catalog.entries()]
    assert catalog.splits_made == 3
    list(catalog.entries())
    assert catalog.splits_made == 3
    reader.bump(seed_articles, seed_chunks)  # a re-index adds articles: only those are split
    assert sorted(first + [a.id for a in seed_articles[3:]]) == [e.article.id for e in catalog.entries()]
    assert catalog.splits_made == len(seed_articles)


def test_the_catalog_reads_no_whole_index_list(real_index_settings, monkeypatch):
    """Counting, listing, outlets and mentions read facets, the stored keyword index and the
    articles they show: never every chunk or every article's text."""
    from index.index_reader import open_reader
    from index.manifest import Manifest

    def refuse(self):
        raise AssertionError("read the whole index for a collection job")

    monkeypatch.setattr(Manifest, "chunks", refuse)
    monkeypatch.setattr(Manifest, "articles", refuse)
    reader = open_reader(real_index_settings)
    try:
        catalog = Catalog(reader)
        listed = collection_job(Request(), catalog)
        assert listed.heading == "There are 6 articles in the index:" and len(listed.draft.sentences) == 6
        assert catalog.lexical.builds == 0  # the stored keyword index, not one built from every chunk
        found = collection_job(parse_request("Which articles mention Qassem Soleimani?"), catalog)
        assert found.heading == "2 of the 6 indexed articles mention Qassem Soleimani:"
        assert catalog.outlets() and catalog.from_outlet(catalog.outlets()[0])
    finally:
        reader.manifest.close()


def test_the_greeting_reads_no_list_of_every_article(real_index_settings, monkeypatch):
    """The first greeting of an archive costs what it shows: its count, outlets, example names and
    their mention counts come from the article ids, the outlets' counts and the keyword index,
    never from every article's facets, chunks or texts."""
    from index.index_reader import open_reader
    from index.manifest import Manifest
    from rag.jobs.small_talk import greeting

    def refuse(self):
        raise AssertionError("read a list of every article for the greeting")

    for name in ("chunks", "articles", "article_facets"):
        monkeypatch.setattr(Manifest, name, refuse)
    reader = open_reader(real_index_settings)
    try:
        catalog = Catalog(reader)
        assert len(catalog.entries()) == 6 and catalog.outlets()
        assert catalog.mention_count("Qassem Soleimani") == 2
        job = greeting(catalog, lambda n: [])
        assert "the 6 news articles" in (job.reply or "")
        assert any("Which articles mention" in s for s in job.suggestions)
        assert reader.newest_articles(2) and catalog.splits_made <= 30
    finally:
        reader.manifest.close()
