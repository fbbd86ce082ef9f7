"""Property tests: a term in any of its spellings is found, its absence is not, and the
parser and tokeniser hold up on arbitrary input."""

from __future__ import annotations

import unicodedata

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from watches.matcher import Matcher
from watches.query import QuerySyntaxError, parse
from watches.text import BREAK, JOIN_STOPWORDS, fold, normalize_token, tokenize

# The term's words use the first half of the alphabet and the filler words the second, so no
# run of filler can spell the term by accident.
TERM_LETTERS = "abcdefghijklm"
FILLER_LETTERS = "nopqrtuvwxyz"  # no "s": a filler "s" could read as a plural
ACCENTED = {"a": "á", "e": "é", "i": "ï", "c": "ç", "g": "ğ"}

part = st.text(TERM_LETTERS, min_size=2, max_size=8).filter(lambda w: w not in JOIN_STOPWORDS)
filler_word = st.text(FILLER_LETTERS, min_size=1, max_size=7)
filler = st.lists(filler_word, min_size=0, max_size=12)
QUERY_SPELLINGS = ["{a}{b}", "{a}-{b}", '"{a} {b}"', '"{a}-{b}"']
TEXT_SPELLINGS = ["{a}{b}", "{a}-{b}", "{a} {b}", "{a}\u2010{b}", "{a} \n{b}"]


def styled(text: str, style: str) -> str:
    if style == "upper":
        return text.upper()
    if style == "title":
        return text.title()
    if style == "accents":
        return "".join(ACCENTED.get(char, char) for char in text)
    if style == "fullwidth":
        return "".join(chr(ord(char) + 0xFEE0) if char.isalpha() else char for char in text)
    if style == "decomposed":
        return unicodedata.normalize("NFD", "".join(ACCENTED.get(c, c) for c in text))
    return text


def found(query: str, body: str) -> bool:
    return bool(Matcher([("w", query)]).match("", body))


@settings(deadline=None)
@given(
    a=part,
    b=part,
    before=filler,
    after=filler,
    query_spelling=st.sampled_from(QUERY_SPELLINGS),
    text_spelling=st.sampled_from(TEXT_SPELLINGS),
    style=st.sampled_from(["plain", "upper", "title", "accents", "fullwidth", "decomposed"]),
    ending=st.sampled_from(["", "’s", "s", "-"]),
    punctuation=st.sampled_from(["", ",", ".", ")", "”"]),
)
def test_a_term_in_any_spelling_is_found(
    a: str,
    b: str,
    before: list[str],
    after: list[str],
    query_spelling: str,
    text_spelling: str,
    style: str,
    ending: str,
    punctuation: str,
) -> None:
    if ending == "s":
        assume(not (a + b).endswith(("ch", "s", "x", "z", "sh")) and not (a + b).endswith("o"))
    term = styled(text_spelling.format(a=a, b=b) + ending, style) + punctuation
    body = " ".join([*before, term, *after])
    assert found(query_spelling.format(a=a, b=b), body), body


@settings(deadline=None)
@given(
    a=part,
    b=part,
    before=filler,
    after=filler,
    query_spelling=st.sampled_from(QUERY_SPELLINGS),
    gap=st.sampled_from([" x ", ". ", ", ", "\n\n", " the ", "/", " - x "]),
    near_miss=st.sampled_from(["{a}{b}z", "z{a}{b}", "{a}z{b}", "{a}.{b}", "{a}{b}ly"]),
)
def test_a_text_without_the_term_does_not_match(
    a: str,
    b: str,
    before: list[str],
    after: list[str],
    query_spelling: str,
    gap: str,
    near_miss: str,
) -> None:
    # Both halves are there, apart; and a near miss that contains the term inside a word.
    body = " ".join([*before, f"{a}{gap}{b}", "x", near_miss.format(a=a, b=b), *after])
    assert not found(query_spelling.format(a=a, b=b), body), body


@given(st.text(max_size=60))
def test_parse_raises_only_query_syntax_errors(query: str) -> None:
    try:
        parse(query)
    except QuerySyntaxError as error:
        assert 0 <= error.position <= len(query)
        assert str(error).splitlines()[-1].index("^") == 2 + error.position


operator_soup = st.lists(
    st.sampled_from(
        ["a", "b", '"c d"', "e*", "AND", "OR", "NOT", "NEAR/2", "(", ")", "title:", "f-g", '"']
    ),
    max_size=12,
).map(" ".join)


@given(operator_soup)
def test_parse_of_operator_soup_either_parses_or_points_inside(query: str) -> None:
    try:
        node = parse(query)
    except QuerySyntaxError as error:
        assert 0 <= error.position <= len(query)
    else:
        Matcher([("w", node)]).match("a title", "b c d e f g")


@given(st.text(max_size=200))
def test_token_spans_point_at_text_that_normalises_to_the_token(text: str) -> None:
    previous = (0, 0)
    for token, start, end in tokenize(text):
        assert 0 <= start < end <= len(text)
        assert start >= previous[1] or (start, end) == previous  # in order; shared when split
        previous = (start, end)
        if token != BREAK:
            assert token in normalize_token(text[start:end]).split(" ")


@given(st.text(max_size=100))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@settings(deadline=None)
@given(
    before=st.lists(filler_word, max_size=80),
    after=st.lists(filler_word, max_size=80),
    a=part,
)
def test_highlights_point_at_the_hits(before: list[str], after: list[str], a: str) -> None:
    body = " ".join([*before, a.upper(), *after])
    (match,) = Matcher([("w", a)]).match("", body)
    assert [match.snippet[s:e] for s, e in match.highlights] == [a.upper()]
    assert len(match.snippet) <= 300
