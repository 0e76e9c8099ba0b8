"""The shared sentence splitter and tokeniser: offsets exact, news abbreviations kept whole."""

from __future__ import annotations

from hypothesis import given, settings as hsettings, strategies as st

from newsrag.text import content_terms, normalize, sentence_spans, stem, words


def texts(spans, text):
    return [s.of(text) for s in spans]


def test_abbreviations_and_initials_do_not_end_sentences():
    t = "In this Tuesday, Sept. 17, 2013 file photo, U.S. President Barack Obama spoke. Brig. Gen. Heidari agreed."
    assert texts(sentence_spans(t), t) == [
        "In this Tuesday, Sept. 17, 2013 file photo, U.S. President Barack Obama spoke.",
        "Brig. Gen. Heidari agreed.",
    ]


def test_quotes_close_a_sentence_and_newlines_always_split():
    t = '"We noticed it," Pourdastan told IRNA. "They left."\nHeadline without a stop\nNext line.'
    assert texts(sentence_spans(t), t) == [
        '"We noticed it," Pourdastan told IRNA.',
        '"They left."',
        "Headline without a stop",
        "Next line.",
    ]


def test_spans_are_trimmed_and_respect_bounds():
    t = "  First one.   Second one.  "
    spans = sentence_spans(t, 2, 14)
    assert texts(spans, t) == ["First one."]
    assert all(t[s.start].strip() and t[s.end - 1].strip() for s in sentence_spans(t))


@hsettings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_spans_are_ordered_nonempty_and_inside_text(text):
    spans = sentence_spans(text)
    last = 0
    for s in spans:
        assert last <= s.start < s.end <= len(text)
        assert s.of(text).strip() == s.of(text)
        last = s.end


def test_words_fold_quotes_and_possessives():
    assert words("Iran’s “red-line” warning") == ["iran", "red-line", "warning"]
    assert normalize("Café ‘x’") == "cafe 'x'"


def test_stem_and_content_terms():
    assert stem("militants") == stem("militant") == "militant"
    assert stem("deadlines") == stem("deadline")
    assert stem("stated") == stem("states") == stem("state")
    assert stem("planned") == stem("plan")
    assert stem("class") == "class" and stem("1,500") == "1,500"
    assert content_terms("What was the September 19 deadline?") == ["september", "19", stem("deadline")]


def test_irregular_past_forms_meet_their_base():
    from newsrag.text import content_terms

    assert content_terms("Iran sent troops") == content_terms("Iran send troops")
    assert content_terms("the talks began") == content_terms("the talks begin")


def test_term_variants_join_countries_and_demonyms():
    from newsrag.text import term_variants

    assert "iraqi" in term_variants("iraq") and "iraq" in term_variants("iraqi")
    assert "iran" in term_variants("iranian")
    assert term_variants("u.s") == frozenset({"u.s"})  # not alphabetic: no guessing
