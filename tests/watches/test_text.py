"""Normalisation and tokenisation: folded words, punctuation breaks, offsets into the original."""

from __future__ import annotations

import pytest

from watches.text import BREAK, TokenizedText, fold, normalize_token, tokenize


def words(text: str) -> list[str]:
    return [token for token, _, _ in tokenize(text)]


def test_tokens_keep_offsets_into_the_original_text() -> None:
    text = "ISLAMABAD: Pakistan’s  counter-terrorism\twing (CTD) met."
    found = tokenize(text)
    assert [(token, text[start:end]) for token, start, end in found] == [
        ("islamabad", "ISLAMABAD"),
        (BREAK, ":"),
        ("pakistan", "Pakistan’s"),
        ("counter", "counter"),
        ("terrorism", "terrorism"),
        ("wing", "wing"),
        (BREAK, "("),
        ("ctd", "CTD"),
        (BREAK, ")"),
        ("met", "met"),
        (BREAK, "."),
    ]


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("NCCIA", "nccia"),
        ("Chargé", "charge"),
        ("Straße", "strasse"),
        ("ﬁnance", "finance"),  # NFKC: the ligature
        ("ＦＩＡ", "fia"),  # NFKC: full-width letters
        ("Øresund", "oresund"),
        ("Łódź", "lodz"),
        ("İstanbul", "istanbul"),
    ],
)
def test_fold_is_case_compatibility_and_accent_insensitive(raw: str, folded: str) -> None:
    assert fold(raw) == folded
    assert fold(folded) == folded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pakistan’s", ["pakistan"]),  # the possessive 's is dropped
        ("ISI's chief", ["isi", "chief"]),
        ("officers’ training", ["officers", "training"]),
        ("O’Brien", ["obrien"]),
        ("U.S. delegation", ["us", "delegation"]),
        ("anti-money", ["anti", "money"]),
        ("counter\u00adterrorism", ["counterterrorism"]),  # a soft hyphen joins
        ("cyber_crime", ["cyber", BREAK, "crime"]),
        ("9/11", ["9", BREAK, "11"]),
        ("security – and", ["security", BREAK, "and"]),  # an en dash is punctuation
        ("security - and", ["security", "and"]),  # a lone hyphen is a space
    ],
)
def test_words_apostrophes_hyphens_and_initials(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_combining_marks_stay_inside_their_word() -> None:
    assert len(words("हिन्दी समाचार")) == 2
    assert words("cafe\u0301") == ["cafe"]
    assert words("کراچی میں") == ["کراچی", "میں"]


def test_a_blank_line_is_a_break_and_a_single_newline_is_not() -> None:
    assert words("money\nlaundering") == ["money", "laundering"]
    assert words("money\n\nlaundering") == ["money", BREAK, "laundering"]
    assert words("money\r\n  \r\nlaundering") == ["money", BREAK, "laundering"]


def test_a_character_that_folds_into_several_words_shares_its_span() -> None:
    text = "score ½ each"
    found = tokenize(text)
    assert [token for token, _, _ in found] == ["score", "1", "2", "each"]
    assert [text[start:end] for _, start, end in found[1:3]] == ["½", "½"]


def test_word_positions_do_not_count_punctuation() -> None:
    tokens = TokenizedText("One, two. Three")
    assert tokens.tokens == ["one", BREAK, "two", BREAK, "three"]
    assert [tokens.word_position(i) for i in (0, 2, 4)] == [0, 1, 2]


def test_empty_and_blank_texts_have_no_tokens() -> None:
    assert tokenize("") == []
    assert tokenize("  \n\t ") == []
    assert words(" - -- ") == []


def test_normalize_token_of_punctuation_is_a_break() -> None:
    assert normalize_token("),") == BREAK
    assert normalize_token("Naqvi") == "naqvi"


def test_offsets_are_right_far_into_a_long_text() -> None:
    text = " ".join(f"Word{index}, x-y  z’s" for index in range(400))
    found = tokenize(text)
    assert len(found) == 400 * 5
    for index in (0, 399, 1234, 1999):
        token, start, end = found[index]
        assert normalize_token(text[start:end]).split(" ")[0] == token
    tokens = TokenizedText(text)
    assert tokens.span(1999) == (found[1999][1], found[1999][2])  # far first, then near
    assert tokens.span(3) == (found[3][1], found[3][2])
