"""Fuzzed files and texts on the write path: the loaders and the chunker never crash or lie.

Loaders: arbitrary bytes, broken UTF-8, random JSON values and HTML/Markdown soup
written to .txt/.md/.html/.json/.jsonl files. `load_articles` must return, never raise:
each file gives articles with non-empty text, or a problem naming the file and saying
what was expected and what was found. Chunker: arbitrary Unicode (controls, RTL,
emoji, CRLF, huge words) at any budget: chunks slice back exactly, ids are unique,
ordinals count up, and together they cover every non-blank character of the text.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings as hyp_settings, strategies as st

from index.article_files import load_articles
from index.chunker import Chunker
from index.formats import SUPPORTED_SUFFIXES
from newsrag.types import Article, FileLimits

FUZZ = hyp_settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
_counter = itertools.count()

_ODD = "\x00\x01\x07\x0b\x0c\x1b\x7f\x85\u2028\u2029\u200b\u202e\ufeff\ufffd\U0001f389\u0301 مرحبا שלום 漢字\r\n\t"
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
_records = st.fixed_dictionaries(
    {},
    optional={
        "title": st.one_of(st.text(max_size=60), st.integers(), st.none()),
        "text": st.one_of(st.text(max_size=300), st.text(alphabet=_ODD + "abc .", max_size=300), st.none()),
        "published": st.one_of(st.text(max_size=20), st.integers(), st.sampled_from(["2023-09-19", "Sept 19th, 2023"])),
        "url": st.one_of(st.text(max_size=30), st.integers()),
        "source": st.one_of(st.text(max_size=20), st.lists(st.integers(), max_size=2)),
    },
)
_markup = st.lists(
    st.one_of(
        st.text(alphabet=_ODD + "abcdefgh <>/=\"'!-#*[]()`|:.", max_size=40),
        st.sampled_from(["<html>", "<body>", "<article>", "<p>", "</p>", "<script>alert(1)</script>", "<h1>",
                         "</h1>", "<title>", "</title>", "<!--", "-->", "<![CDATA[", "<meta charset=x>",
                         "---\n", "title: x\n", "date: 2023-13-45\n", "# Heading\n", "[link](javascript:x)",
                         "![img](x)", "> quote\n", "```\n", "&amp;", "&#0;", "&#x110000;", "\n\n"]),
    ),
    max_size=40,
).map("".join)
_prose = st.text(alphabet=_ODD + "abcdefghijklmnop QRST .,!?<>&\"'[]()#*|", min_size=1, max_size=400)
_valid_record = st.fixed_dictionaries(
    {"title": _prose, "text": _prose}, optional={"published": st.text(max_size=20), "url": st.text(max_size=20)}
)
_page = st.builds(
    "<html><head><title>{}</title></head><body><article><h1>{}</h1><p>{}</p><p>{}</p></article></body></html>".format,
    _prose, _prose, _prose, _prose,
)
_fitting = st.one_of(  # content made for its format: reaches the parsers' success paths
    st.tuples(st.lists(_valid_record, min_size=1, max_size=3).map(lambda rs: "\n".join(map(json.dumps, rs)).encode()),
              st.just(".jsonl")),
    st.tuples(st.one_of(_valid_record, st.lists(_valid_record, max_size=3)).map(
        lambda r: json.dumps(r, ensure_ascii=False).encode()), st.just(".json")),
    st.tuples(_page.map(str.encode), st.sampled_from([".html", ".htm"])),
)
_contents = st.one_of(
    st.builds("{}\n{}\n\n{}".format, _prose, _prose, _prose).map(str.encode),
    st.binary(max_size=3000),
    st.text(max_size=1500).map(lambda t: t.encode("utf-8", "surrogatepass")),  # may hold lone surrogates
    _markup.map(str.encode),
    _json_values.map(lambda v: json.dumps(v).encode()),
    st.lists(st.one_of(_records.map(json.dumps), st.text(max_size=30)), max_size=6).map(
        lambda lines: "\n".join(lines).encode()),
    st.lists(_records, max_size=4).map(lambda rs: json.dumps(rs).encode()),
    st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfeT\x00i\x00", b"PK\x03\x04" + bytes(60), b"\n\n \t", b"x" * 5000]),
)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("loader-fuzz")


@FUZZ
@given(file=st.one_of(_fitting, st.tuples(_contents, st.sampled_from(SUPPORTED_SUFFIXES))), upper=st.booleans())
def test_any_file_loads_to_articles_or_a_clear_problem(fuzz_dir: Path, file: tuple[bytes, str], upper: bool) -> None:
    content, suffix = file
    path = fuzz_dir / f"f{next(_counter)}{suffix.upper() if upper else suffix}"
    path.write_bytes(content)
    result = load_articles([path], FileLimits.uniform(4000))  # some fuzz files are over the limit
    assert result.articles or result.problems, "a file gives articles or says why not"
    event(f"{suffix}: {'articles' if result.articles else 'problem only'}")
    for article in result.articles:
        assert isinstance(article.text, str) and article.text.strip(), article
        assert isinstance(article.title, str) and article.source_path == str(path.resolve())
        assert "\x00" not in article.text
    assert len({a.id for a in result.articles}) == len(result.articles)
    for problem in result.problems:
        assert problem.path == str(path.resolve())
        assert path.name in problem.message and "expected" in problem.message and "got" in problem.message
    for article in result.articles:  # and the next stage takes them
        assert_chunks_valid(article, Chunker(64, 16))


# ----------------------------------------------------------------------------- chunker


def assert_chunks_valid(article: Article, chunker: Chunker) -> None:
    text = article.text
    chunks = chunker.chunk(article)
    assert len({c.id for c in chunks}) == len(chunks)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    covered = bytearray(len(text))
    for c in chunks:
        assert 0 <= c.start < c.end <= len(text)
        assert text[c.start:c.end] == c.text and c.text.strip()
        assert c.article_id == article.id and c.token_count > 0
        covered[c.start:c.end] = b"\x01" * (c.end - c.start)
    uncovered = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert not uncovered, f"characters in no chunk: {[text[i] for i in uncovered[:10]]}"
    assert bool(chunks) == bool(text.strip())


_texts = st.one_of(
    st.text(max_size=3000),
    st.text(alphabet=_ODD + "abcdefghij .!?\"'", max_size=3000),
    st.lists(st.sampled_from(["Iran said.", "U.S.", "Mr. Smith", "\u202eevil\u202c", "\U0001f389" * 30, "x" * 400,
                              "\r\n", "\n\n", " ", "...", "?!", "\u3002", "1.5", "e.g.", "\u0301"]),
             max_size=80).map("".join),
)


@FUZZ
@given(text=_texts, budget=st.integers(min_value=8, max_value=256), overlap_frac=st.floats(0, 0.9))
def test_any_text_chunks_into_exact_unique_covering_slices(text: str, budget: int, overlap_frac: float) -> None:
    overlap = min(budget - 1, int(budget * overlap_frac))
    article = Article(id="fuzz0001", title="\u202eTitle <b>", text=text, source_path="/x/f.txt")
    event("chunks: " + ("none" if not text.strip() else "one" if len(text) < 200 else "several likely"))
    assert_chunks_valid(article, Chunker(budget, overlap))
