"""Body fingerprint: what the normalisation ignores, what it keeps, and the short-body cut-off."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.fingerprint import MIN_HASH_CHARS, content_hash, normalise_body

ARTICLE = (
    "The National Assembly passed the budget at 5 a.m. on Tuesday after an all-night session. "
    "Opposition members walked out twice, saying the fuel levy would hurt farmers; the finance "
    'minister said it was "the only way" to meet the fund\'s targets. The sales tax is unchanged.'
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Hello,\n\n  WORLD!  ", "hello world"),
        ("“Don’t” — he said…", "don t he said"),
        ('"Don\'t" - he said...', "don t he said"),
        ("ﬁne ｆｕｌｌｗｉｄｔｈ", "fine fullwidth"),  # NFKC
        ("Straße STRASSE", "strasse strasse"),  # casefold
        ("zero\u200bwidth soft\u00adhyphen", "zerowidth softhyphen"),
        ("non\u00a0breaking\tand\u2003em", "non breaking and em"),
        ("cafe\u0301 café", "café café"),
        ("€5 + 3% = $8", "€5 + 3 = $8"),
        ("«Guillemets» „Anführung“ 「括弧」", "guillemets anführung 括弧"),
        ("", ""),
        ("…—", ""),
    ],
)
def test_normalise_body(text: str, expected: str) -> None:
    assert normalise_body(text) == expected


def test_hash_ignores_typography_and_layout() -> None:
    typographic = (
        ARTICLE.replace('"the only way"', "“the only way”")
        .replace("fund's", "fund’s")
        .replace("all-night", "all‑night")
        .replace(". ", ".\n\n")
    )
    assert content_hash(typographic) == content_hash(ARTICLE) == content_hash(ARTICLE.upper())


def test_hash_is_sha256_of_the_normalised_text() -> None:
    expected = hashlib.sha256(normalise_body(ARTICLE).encode()).hexdigest()
    assert content_hash(ARTICLE) == expected
    assert len(expected) == 64


def test_hash_tells_different_texts_apart() -> None:
    assert content_hash(ARTICLE) != content_hash(ARTICLE.replace("Tuesday", "Wednesday"))
    assert content_hash(ARTICLE) != content_hash(ARTICLE.replace("5 a.m.", "6 a.m."))


def test_short_bodies_get_no_hash() -> None:
    stub = "Subscribe to continue reading. Already a subscriber? Log in."
    assert content_hash(stub) is None
    assert content_hash("") is None
    exactly = "x" * MIN_HASH_CHARS
    assert content_hash(exactly) is not None
    assert content_hash(exactly[:-1]) is None
    # Punctuation and spacing do not count towards the length.
    assert content_hash("x" * (MIN_HASH_CHARS - 1) + " ... !!! ...") is None


@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise_body(text)
    assert normalise_body(once) == once
    assert once == once.strip()
    assert "  " not in once


@given(st.text(), st.text(alphabet=" \t\n\u00a0\u200b.,;:!?\"'“”‘’—–-…()", max_size=5))
def test_punctuation_and_spacing_do_not_matter(text: str, noise: str) -> None:
    assert normalise_body(text + noise) == normalise_body(text + " ")
