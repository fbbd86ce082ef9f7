"""Body fingerprint: a hash of the normalised article text, so the same text under another URL is
stored once.  Pure functions, no settings.

Stored hashes depend on ``normalise_body`` giving the same result for every text, forever: it may
be made faster, never different.  The tests compare it with the original, straightforward version
(NFKC, casefold, NFKC, ``str.translate`` with ``_TABLE``, NFKC, collapse whitespace).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from watches.text import class_ranges

__all__ = ["MIN_HASH_CHARS", "content_hash", "normalise_body"]

#: Normalised bodies shorter than this get no hash.  Short texts are not an article's identity:
#: teasers, "subscribe to read" and cookie-wall stubs, "page not found", an empty extraction or a
#: one-line photo caption repeat word for word across many different articles, and hashing them
#: would merge those articles into one.  Such items are identified by their URL alone.  200
#: characters is about two sentences, already longer than the usual stubs and feed teasers.
MIN_HASH_CHARS = 200


def _build_table() -> dict[int, str | None]:
    # Every punctuation character (Unicode category P*: quotes of every style, dashes, hyphens,
    # ellipses, brackets, %) becomes a space and every format character (Cf: zero-width spaces and
    # joiners, soft hyphens, BOMs, bidi marks) goes.  Sites differ precisely in these (typographic
    # quotes, dash styles, hyphenation hints), not in the words; symbols (S*: currency, math,
    # emoji) carry meaning and stay.
    # Planes 0 and 1 hold every punctuation character; plane 14 holds the tag characters (Cf).
    table: dict[int, str | None] = {}
    for code in (*range(0x20000), *range(0xE0000, 0xE0080)):
        category = unicodedata.category(chr(code))
        if category.startswith("P"):
            table[code] = " "
        elif category == "Cf":
            table[code] = None
    return table


_TABLE = _build_table()


def _char_class(codes: Iterable[int]) -> str:
    return f"[{class_ranges(codes)}]"


# ``str.translate`` looks every character of a non-ASCII text up in the dict, one Python call at a
# time; a regex character class is tested in C.  The classes hold only the BMP part of _TABLE: re
# tests the characters above U+FFFF of a class one range at a time, for every character of the
# text, which with the dozens of astral ranges is slower than the dict.  Astral characters are rare,
# so _ASTRAL finds them, run by run, for ``str.translate``.
_PUNCTUATION = re.compile(_char_class(c for c, to in _TABLE.items() if to == " " and c <= 0xFFFF))
_FORMAT = re.compile(_char_class(c for c, to in _TABLE.items() if to is None and c <= 0xFFFF))
_ASTRAL = re.compile("[\U00010000-\U0010ffff]+")


def _has_astral(text: str) -> bool:
    # Characters above U+FFFF take two UTF-16 code units, all others one; the encoder is a C loop
    # about ten times faster than a regex search.
    return len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text)


def _translate(match: re.Match[str]) -> str:
    return match[0].translate(_TABLE)


def _build_ascii_decompositions() -> dict[str, str]:
    # BMP characters whose compatibility decomposition (NFKD) is plain ASCII: no-break and other
    # spaces, the ellipsis, fullwidth forms (CJK punctuation), ligatures, ™, superscript digits.
    decompositions: dict[str, str] = {}
    for code in range(0x80, 0x10000):
        char = chr(code)
        if unicodedata.decomposition(char):
            decomposed = unicodedata.normalize("NFKD", char)
            if decomposed.isascii():
                decompositions[char] = decomposed
    return decompositions


_ASCII_DECOMPOSITIONS = _build_ascii_decompositions()
_ASCII_DECOMPOSABLE = re.compile(_char_class(map(ord, _ASCII_DECOMPOSITIONS)))


def _ascii_decomposition(match: re.Match[str]) -> str:
    return _ASCII_DECOMPOSITIONS[match[0]]


def normalise_body(text: str) -> str:
    """Return ``text`` reduced to what identifies it: NFKC, casefolded, punctuation and invisible
    characters removed, whitespace collapsed to single spaces.

    The result is a hashing key, not something to show: ``“Don’t” — he said…`` and
    ``"don't" - he said...`` both become ``don t he said``.
    """
    if text.isascii():
        # NFKC leaves ASCII text as it is, casefold() is lower() there and ASCII has no Cf
        # character; str.translate has a fast path for ASCII text.
        return " ".join(text.lower().translate(_TABLE).split())
    # NFKC depends only on a text's full compatibility decomposition, so spelling characters out
    # as theirs beforehand changes nothing.  It does spare the slow, full normalisation: one
    # ellipsis or no-break space in an article makes normalize() decompose and recompose all of
    # it; without them it usually returns after its quick check.
    text = _ASCII_DECOMPOSABLE.sub(_ascii_decomposition, text)
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    # _TABLE in three steps, which commute: each touches its own characters and adds none.
    folded, removed = _FORMAT.subn("", folded)
    astral = _has_astral(folded)
    if astral:
        folded = _ASTRAL.sub(_translate, folded)
    folded = _PUNCTUATION.sub(" ", folded)
    # Dropping an invisible character can bring a letter and its combining mark together, so
    # compose once more after the translation; that makes the function idempotent.  Punctuation
    # turned into spaces cannot change anything: both are starters that take part in no
    # composition (the tests check this against the Unicode database), so NFKC text stays NFKC.
    # Astral Cf characters go uncounted, so any astral character means composing again.
    if removed or astral:
        folded = unicodedata.normalize("NFKC", folded)
    # str.split() and re's \s agree on what whitespace is.
    return " ".join(folded.split())


def content_hash(text: str) -> str | None:
    """Return the hex SHA-256 of ``normalise_body(text)``, or ``None`` when the normalised text is
    shorter than ``MIN_HASH_CHARS`` (too weak to identify an article; see there).
    """
    normalised = normalise_body(text)
    if len(normalised) < MIN_HASH_CHARS:
        return None
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()
