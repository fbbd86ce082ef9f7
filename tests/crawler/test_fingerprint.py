"""Body fingerprint: what the normalisation ignores, what it keeps, and the short-body cut-off."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import pytest
from hypothesis import given, settings
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
        ("a$b+c<d=e>f^g`h|i~j", "a$b+c<d=e>f^g`h|i~j"),  # ASCII symbols (S*), not punctuation
        ("（共同）！？ ＡＢＣ", "共同 abc"),  # fullwidth forms
        ("İstanbul ǰ", "i\u0307stanbul ǰ"),  # casefold decomposes, NFKC recomposes what it can
        ("e\u200b\u0301 \u1100\u200d\u1161", "é 가"),  # dropped Cf: the neighbours compose
        ("tag\U000e0041\U000e007f 😀", "tag 😀"),
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


# The reference: normalise_body as first written (NFKC, casefold, NFKC, translate, NFKC, collapse
# whitespace).  Stored hashes depend on its output, so the faster version must match it exactly,
# for every text.
def _reference_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in (*range(0x20000), *range(0xE0000, 0xE0080)):
        category = unicodedata.category(chr(code))
        if category.startswith("P"):
            table[code] = " "
        elif category == "Cf":
            table[code] = None
    return table


_REFERENCE_TABLE = _reference_table()
_REFERENCE_WHITESPACE = re.compile(r"\s+")


def _reference_normalise_body(text: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    folded = unicodedata.normalize("NFKC", folded.translate(_REFERENCE_TABLE))
    return _REFERENCE_WHITESPACE.sub(" ", folded).strip()


def _reference_content_hash(text: str) -> str | None:
    normalised = _reference_normalise_body(text)
    if len(normalised) < MIN_HASH_CHARS:
        return None
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()


# Characters where the shortcuts could go wrong: every kind of punctuation and format character,
# combining marks, characters NFKC or casefold rewrite, Hangul jamo, astral and tag characters.
_TRICKY = (
    " \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000"
    "!\"#%&'()*,-./:;?@[\\]_{}$+<=>^`|~"
    "\xad\u061c\u200b\u200c\u200d\u200e\u2060\u2066\ufeff\U000110bd\U0001bca0\U0001d173"
    "\U000e0001\U000e0020\U000e0041\U000e007f"
    "“”‘’«»„‚—–‐‑…‥·\u037e\u0387\u2329\u3008「」、。（）！？：\U00010100\U00016fe2"
    "\u0300\u0301\u0307\u0308\u0316\u031b\u0327\u0342\u0345\u0653\u093c\u0b3e\u3099\u309a"
    "aeiouIn AEO İıßẞǰΐΣσςᎠꭰÅÅ\u212bK\u1100\u1161\u11a8가ﬁﬀ™½²①⑴ｆＡ\uff76\uff9e‾‗﹉¨´"
    "😀\U0001f3f4\U0001d400\u20ac"
)


@pytest.mark.parametrize(
    "text",
    [
        "".join(map(chr, range(128))),
        "a$b+c<d=e>f^g`h|i~j",  # ASCII symbols (S*) stay
        "“Don’t” — he said… «non» „ja“ ‚so‘",
        "soft\u00adhyphen zero\u200bwidth join\u200der bom\ufeff",
        "e\u200b\u0301 a\u0301\u200b\u0316 \u1100\u200b\u1161",  # a removed Cf joins neighbours
        "（共同）！？：；，ｆｕｌｌ　ｗｉｄｔｈ",
        "".join(map(chr, range(0xE0001, 0xE0080))),
        "flag \U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f end",
        "ﬁne ﬀ ß ẞ STRASSE İstanbul ıi ǰ ΐ ΣΑΣ Ꭰꭰ ™ ½ ① ⑴ ²",
        "…\u0301 \xa0\u0301 \u2026\u0308 ﬁ\u0301",  # decomposed early, then a combining mark
        "\U00010100x\U0001bca0y 😀 \U0001d400",
        "e\U0001bca0\u0301 \u1100\U000e0020\u1161",  # a removed astral Cf joins them too
        "a‾b ‗ ﹉ ¨ ´",  # NFKC turns these into a space and a combining mark, which stays
        "\ud800lone\udfffsurrogates\udc00",
        "\x1c\x1d\x1e\x1f\x85\u2028\u2029 separators",
        "",
    ],
)
def test_matches_reference(text: str) -> None:
    assert normalise_body(text) == _reference_normalise_body(text)


@settings(max_examples=2000, deadline=None)
@given(st.text())
def test_matches_reference_on_any_text(text: str) -> None:
    assert normalise_body(text) == _reference_normalise_body(text)


@settings(max_examples=2000, deadline=None)
@given(
    st.text(
        st.one_of(
            st.sampled_from(_TRICKY),
            st.characters(exclude_categories=[]),  # surrogates too
            st.characters(categories=["P", "Cf", "M"]),
        )
    )
)
def test_matches_reference_on_tricky_text(text: str) -> None:
    assert normalise_body(text) == _reference_normalise_body(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(ARTICLE)), st.sampled_from(_TRICKY)), max_size=30))
def test_hash_matches_reference_on_articles(insertions: list[tuple[int, str]]) -> None:
    text = ARTICLE
    for position, char in sorted(insertions, reverse=True):
        text = text[:position] + char + text[position:]
    assert content_hash(text) == _reference_content_hash(text)
    assert content_hash(text * 30) == _reference_content_hash(text * 30)


def test_unicode_facts_the_shortcuts_rely_on() -> None:
    # Skipping the last NFKC needs punctuation and the space to be starters that take part in no
    # canonical composition; the ASCII path needs NFKC to leave ASCII alone; str.split() must
    # agree with re's \s.
    punctuation = {chr(code) for code, to in _REFERENCE_TABLE.items() if to == " "}
    assert all(unicodedata.combining(char) == 0 for char in punctuation)
    in_pairs: set[str] = set()
    for code in range(0x110000):
        char = chr(code)
        decomposition = unicodedata.decomposition(char)
        if decomposition and not decomposition.startswith("<"):
            parts = [chr(int(part, 16)) for part in decomposition.split()]
            if len(parts) == 2:
                in_pairs.update(parts)
        assert (re.fullmatch(r"\s", char) is not None) == char.isspace()
    assert not in_pairs & (punctuation | {" "})
    stable = [c for c in punctuation if unicodedata.normalize("NFKC", c) == c]
    assert all(unicodedata.normalize("NFKD", char) == char for char in stable)
    ascii_text = "".join(map(chr, range(128)))
    assert unicodedata.normalize("NFKC", ascii_text) == ascii_text
    assert ascii_text.casefold() == ascii_text.lower()
    assert all(to == " " for code, to in _REFERENCE_TABLE.items() if code < 128)
