"""One contract for every IndexReader: the test fake and the real reader pass the same checks.

The real side is `index.index_reader.open_reader` over an on-disk Chroma index and manifest that the
real Indexer wrote from a few articles; the fake is `tests.fakes.FakeIndexReader` over the
same files, loaded and chunked the same way. Both embed with the HashEmbedder, so a test
here checks what the reader promises (filters, ranking, stable chunk order, articles,
sentence vectors, a generation that follows re-indexing), not a model. A test only the fake
passes means the rag/ tests built on the fake do not say what the product does.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from newsrag.protocols import IndexReader
from newsrag.settings import Settings
from newsrag.types import Article, Chunk, SearchFilter
from tests.fakes import FakeIndexReader, HashEmbedder, chunk_articles, load_articles_in

FILLER = (
    "Officials said the work would continue through the season. Residents were told to expect "
    "delays and to follow the notices posted in the town hall. A spokesperson declined to give "
    "further details about the schedule or the budget for the coming months. "
)

RECORDS = [  # (file, title, source, published, text)
    ("harbour.jsonl", "Quillhaven opens its new harbour", "Harbour Gazette", "2024-03-12",
     "The town of Quillhaven opened its rebuilt harbour on 12 March 2024. The mayor, Ottilie Brandvold, "
     "said the harbour cost 48 million crowns and took three years to build. " + FILLER * 3),
    ("pass.jsonl", "Avalanche closes the Brenner pass", "Société Mountain Courier", "2024-01-20",
     "An avalanche closed the Brenner pass on Saturday, stranding two hundred lorries overnight. " + FILLER),
    ("quays.jsonl", "Fishing crews move to the new quays", "Harbour Gazette", "2024-04-02",
     "Fishing crews moved their boats to the new quays in April, a month after the harbour opened. " + FILLER),
]
UNDATED = ("library.txt", "Library extends its opening hours",
           "The public library will open on Sundays from next month, the council said. " + FILLER)


def write_articles(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, title, source, published, text in RECORDS:
        record = {"title": title, "text": text, "source": source, "published": published}
        (folder / name).write_text(json.dumps(record) + "\n", encoding="utf-8")
    name, title, text = UNDATED
    (folder / name).write_text(f"{title}\n{text}\n", encoding="utf-8")
    return folder


@dataclass
class Side:
    """One implementation under test, and how to re-index its articles."""

    reader: IndexReader
    reindex: Callable[[], None]
    embedder: HashEmbedder


def settings_for(root: Path) -> Settings:
    # small chunks so an article spans several of them
    return Settings(data_dir=root / "data", embedding_model="hash-embedder", chunk_tokens=64,
                    chunk_overlap_tokens=16)


def fake_side(folder: Path, settings: Settings) -> Side:
    embedder = HashEmbedder()
    reader = FakeIndexReader.from_files([folder], embedder, settings)

    def reindex() -> None:  # as the indexer does: content that did not change is left as it was
        articles = load_articles_in([folder])
        chunks = chunk_articles(articles, settings.chunk_tokens, settings.chunk_overlap_tokens)
        if [(c.id, c.text) for c in chunks] != [(c.id, c.text) for c in reader.all_chunks()]:
            reader.bump(articles, chunks)

    return Side(reader, reindex, embedder)


def real_side(folder: Path, settings: Settings) -> Side:
    from index.index_reader import open_reader
    from index.pipeline import Indexer

    embedder = HashEmbedder()
    Indexer(settings, embedder).index([folder])
    return Side(open_reader(settings, embedder), lambda: Indexer(settings, embedder).index([folder]), embedder)


SIDES = {"fake": fake_side, "real": real_side}


def _close(side: Side) -> None:
    manifest = getattr(side.reader, "manifest", None)  # the real reader holds a SQLite connection
    if manifest is not None:
        manifest.close()


@pytest.fixture(scope="module")
def articles_folder(tmp_path_factory) -> Path:
    return write_articles(tmp_path_factory.mktemp("contract") / "articles")


@pytest.fixture(scope="module")
def expected(articles_folder) -> tuple[list[Article], list[Chunk]]:
    """What any reader must hold: the articles and chunks the loader and chunker make of the files."""
    settings = settings_for(articles_folder.parent)
    articles = load_articles_in([articles_folder])
    return articles, chunk_articles(articles, settings.chunk_tokens, settings.chunk_overlap_tokens)


@pytest.fixture(scope="module", params=sorted(SIDES))
def side(request, articles_folder, tmp_path_factory) -> Iterator[Side]:
    built = SIDES[request.param](articles_folder, settings_for(tmp_path_factory.mktemp(request.param)))
    yield built
    _close(built)


def _article_id(articles: list[Article], title_start: str) -> str:
    return next(a.id for a in articles if a.title.startswith(title_start))


def _found(side: Side, where: SearchFilter | None, k: int = 50) -> set[str]:
    query = side.embedder.embed_query("harbour town crews")
    return {p.chunk.article_id for p in side.reader.dense_search(query, k, where)}


# ------------------------------------------------------------------------------ articles and chunks


def test_it_holds_every_article_as_loaded(side, expected):
    articles, _ = expected
    assert {a.id for a in side.reader.articles()} == {a.id for a in articles}
    for want in articles:
        got = side.reader.article(want.id)
        assert got is not None
        assert (got.title, got.text, got.source, got.published) == (want.title, want.text, want.source, want.published)
    assert side.reader.article("no-such-article") is None


def test_all_chunks_are_the_chunkers_in_a_stable_order(side, expected):
    _, chunks = expected
    first, second = side.reader.all_chunks(), side.reader.all_chunks()
    assert [c.id for c in first] == [c.id for c in second]
    assert sorted(c.id for c in first) == sorted(c.id for c in chunks)
    by_id = {c.id: c for c in chunks}
    for chunk in first:
        want = by_id[chunk.id]
        assert (chunk.article_id, chunk.ordinal, chunk.text, chunk.start, chunk.end) == (
            want.article_id, want.ordinal, want.text, want.start, want.end)
    # each article's chunks come together, in reading order
    seen: list[str] = []
    for chunk in first:
        if not seen or seen[-1] != chunk.article_id:
            assert chunk.article_id not in seen, "an article's chunks are split up"
            seen.append(chunk.article_id)
    for article_id in seen:
        ordinals = [c.ordinal for c in first if c.article_id == article_id]
        assert ordinals == sorted(ordinals)
    assert side.reader.count() == len(first) > len(seen)  # some article has several chunks


def test_chunks_by_id_are_the_stored_chunks_and_unknown_ids_are_left_out(side):
    every = side.reader.all_chunks()
    wanted = [every[-1].id, every[0].id, "no-such-chunk", every[len(every) // 2].id, every[0].id]
    got = side.reader.chunks(wanted)
    assert set(got) == {every[-1].id, every[0].id, every[len(every) // 2].id}
    for chunk in every:
        if chunk.id in got:
            assert got[chunk.id] == chunk
    assert side.reader.chunks([]) == {}


def test_article_ids_and_the_newest_articles_come_without_reading_texts(side, expected):
    articles, _ = expected
    assert side.reader.article_ids() == sorted(a.id for a in articles)
    facets = side.reader.article_facets()
    assert [f.id for f in facets] == side.reader.article_ids()
    newest = sorted(facets, key=lambda f: (f.published or dt.date.min, f.id), reverse=True)
    assert any(f.published is None for f in facets) and any(f.published for f in facets)  # both orders tested
    for limit in (1, 2, len(facets) + 3):
        assert side.reader.newest_articles(limit) == newest[:limit]
    assert side.reader.newest_articles(0) == []
    counts = Counter(a.source for a in articles if a.source)
    assert side.reader.outlets() == dict(sorted(counts.items(), key=lambda row: (-row[1], row[0])))
    assert len(counts) >= 2


def test_status_counts_what_is_held(side, expected):
    articles, chunks = expected
    status = side.reader.status()
    assert (status.articles, status.chunks) == (len(articles), len(chunks))
    assert status.embedding_model == side.embedder.name
    assert {aid for aid, _ in status.article_titles} == {a.id for a in articles}


def test_stored_lexical_is_none_or_a_folder(side):
    stored = side.reader.stored_lexical()
    assert stored is None or stored.is_dir()


# ------------------------------------------------------------------------------ dense search


def test_dense_search_ranks_by_similarity_from_one(side, expected):
    _, chunks = expected
    target = next(c for c in chunks if "48 million crowns" in c.text)
    passages = side.reader.dense_search(side.embedder.embed_query(target.embedding_text), 5, None)
    assert len(passages) == 5
    assert passages[0].chunk.id == target.id and passages[0].score == pytest.approx(1.0, abs=1e-4)
    assert [p.rank for p in passages] == [1, 2, 3, 4, 5]
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True)
    assert all(p.dense_score == pytest.approx(p.score) for p in passages)
    assert len({p.chunk.id for p in passages}) == 5


def test_dense_search_returns_at_most_k_and_at_most_everything(side, expected):
    _, chunks = expected
    query = side.embedder.embed_query("harbour")
    assert len(side.reader.dense_search(query, 1, None)) == 1
    assert len(side.reader.dense_search(query, 500, None)) == len(chunks)
    assert side.reader.dense_search(query, 0, None) == []


def test_filters_by_source_title_date_and_id(side, expected):
    articles, _ = expected
    titles = ("Quillhaven", "Avalanche", "Fishing", "Library")
    harbour, pass_, quays, library = (_article_id(articles, t) for t in titles)
    assert _found(side, None) == {harbour, pass_, quays, library}
    assert _found(side, SearchFilter()) == {harbour, pass_, quays, library}
    # source: the outlet, any case, part of a name; or the file
    assert _found(side, SearchFilter(sources=("harbour gazette",))) == {harbour, quays}
    assert _found(side, SearchFilter(sources=("Mountain",))) == {pass_}
    assert _found(side, SearchFilter(sources=("library.txt",))) == {library}
    assert _found(side, SearchFilter(sources=("Mountain", "library"))) == {pass_, library}
    # accents and case fold on both sides
    assert _found(side, SearchFilter(sources=("Societe Mountain",))) == {pass_}
    assert _found(side, SearchFilter(sources=("SOCIÉTÉ",))) == {pass_}
    # title: every word given is a word of the title
    assert _found(side, SearchFilter(title_words=("new",))) == {harbour, quays}
    assert _found(side, SearchFilter(title_words=("new", "harbour"))) == {harbour}
    assert _found(side, SearchFilter(title_words=("Harbour",))) == {harbour}
    # dates: inclusive bounds; an article without a date is left out of any date filter
    assert _found(side, SearchFilter(date_from=dt.date(2024, 3, 12))) == {harbour, quays}
    assert _found(side, SearchFilter(date_to=dt.date(2024, 3, 11))) == {pass_}
    assert _found(side, SearchFilter(date_from=dt.date(2024, 3, 1), date_to=dt.date(2024, 3, 31))) == {harbour}
    # ids, and filters combined
    assert _found(side, SearchFilter(article_ids=(quays, pass_))) == {quays, pass_}
    assert _found(side, SearchFilter(sources=("Harbour Gazette",), date_from=dt.date(2024, 4, 1))) == {quays}
    # nothing matches: nothing found
    assert _found(side, SearchFilter(sources=("Nowhere Times",))) == set()
    assert _found(side, SearchFilter(date_from=dt.date(2030, 1, 1))) == set()


@pytest.mark.parametrize("where", [
    SearchFilter(sources=("harbour gazette",)), SearchFilter(sources=("societe",)),
    SearchFilter(title_words=("new", "harbour")), SearchFilter(date_from=dt.date(2024, 3, 12)),
    SearchFilter(sources=("Harbour Gazette",), date_from=dt.date(2024, 4, 1)), SearchFilter(sources=("Nowhere",)),
])
def test_matching_articles_are_the_articles_a_filtered_search_finds(side, where):
    assert side.reader.matching_articles(where) == frozenset(_found(side, where))
    assert side.reader.matching_articles(SearchFilter()) is None


def test_a_filter_applies_before_the_top_k(side, expected):
    """The k nearest chunks *among those that match*, not the k nearest then filtered."""
    articles, _ = expected
    library = _article_id(articles, "Library")
    query = side.embedder.embed_query("Quillhaven harbour 48 million crowns")
    passages = side.reader.dense_search(query, 2, SearchFilter(sources=("library",)))
    assert passages and {p.chunk.article_id for p in passages} == {library}
    assert [p.rank for p in passages] == list(range(1, len(passages) + 1))


# ------------------------------------------------------------------------------ sentences


def test_sentences_are_stored_spans_and_unit_vectors(side, expected):
    _, chunks = expected
    ids = [c.id for c in chunks[:3]]
    got = side.reader.sentences([*ids, "no-such-chunk"])
    assert set(got) == set(ids)
    by_id = {c.id: c for c in chunks}
    for chunk_id, stored in got.items():
        chunk = by_id[chunk_id]
        assert stored.chunk_id == chunk_id and stored.spans
        assert all(chunk.start <= s < e <= chunk.end for s, e in stored.spans)
        assert [s for s, _ in stored.spans] == sorted(s for s, _ in stored.spans)
        assert stored.vectors.shape == (len(stored.spans), side.embedder.dimension)
        assert stored.vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(stored.vectors, axis=1), 1.0, atol=1e-5)
    assert side.reader.sentences([]) == {}


# ------------------------------------------------------------------------------ generation


@pytest.fixture(params=sorted(SIDES))
def fresh_side(request, tmp_path) -> Iterator[tuple[Side, Path]]:
    folder = write_articles(tmp_path / "articles")
    built = SIDES[request.param](folder, settings_for(tmp_path))
    yield built, folder
    _close(built)


def test_generation_is_steady_until_a_reindex_changes_the_content(fresh_side):
    side, folder = fresh_side
    before = side.reader.generation()
    assert side.reader.generation() == before
    side.reindex()  # nothing changed on disk
    assert side.reader.generation() == before
    (folder / "extra.txt").write_text("Ferry timetable changes\nThe island ferry will sail twice a day "
                                      "from June, the operator said.\n", encoding="utf-8")
    side.reindex()
    after = side.reader.generation()
    assert after != before
    assert any(a.title == "Ferry timetable changes" for a in side.reader.articles())
    assert any("island ferry" in c.text for c in side.reader.all_chunks())
    found = side.reader.dense_search(side.embedder.embed_query("island ferry sail twice a day"), 1, None)
    assert "island ferry" in found[0].chunk.text


# ------------------------------------------------------------------------------ dates and copies


def test_date_mentions_are_stored_resolved_against_each_articles_date(side, expected):
    articles, _ = expected
    titles = ("Quillhaven", "Avalanche", "Fishing", "Library")
    harbour, pass_, quays, library = (_article_id(articles, t) for t in titles)
    found = side.reader.date_mentions([harbour, pass_, quays, library])
    by_article = {aid: [(m.text, m.label) for m in found if m.article_id == aid] for aid in (harbour, pass_, quays)}
    assert ("on 12 March 2024", "2024-03-12") in by_article[harbour]
    assert ("on Saturday", "2024-01-20") in by_article[pass_]  # published that Saturday
    assert ("in April", "2024-04") in by_article[quays]
    # The library story has no date: its "next month" cannot be resolved, and nothing is guessed.
    assert not [m for m in found if m.article_id == library and m.relative]
    texts = {a.id: a.text for a in articles}
    assert all(texts[m.article_id][m.start:m.end] == m.text for m in found)
    assert [(m.article_id, m.start) for m in found] == sorted((m.article_id, m.start) for m in found)
    assert side.reader.date_mentions([]) == []


def test_duplicate_groups_are_the_indexers_over_every_article(side, expected):
    from index.duplicates import group_duplicates

    articles, _ = expected
    groups = side.reader.duplicate_groups()
    assert groups == list(group_duplicates(articles))
    assert side.reader.status().duplicate_groups == tuple(groups)
    assert side.reader.status().dated_articles == 3
