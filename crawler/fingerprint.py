"""Body fingerprint: a hash of the normalised article text, so the same text under another URL is
stored once.  Pure functions, no settings.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["MIN_HASH_CHARS", "content_hash", "normalise_body"]

#: Normalised bodies shorter than this get no hash.  Short texts are not an article's identity:
#: teasers, "subscribe to read" and cookie-wall stubs, "page not found", an empty extraction or a
#: one-line photo caption repeat word for word across many different articles, and hashing them
#: would merge those articles into one.  Such items are identified by their URL alone.  200
#: characters is about two sentences, already longer than the usual stubs and feed teasers.
MIN_HASH_CHARS = 200

_WHITESPACE = re.compile(r"\s+")


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


def normalise_body(text: str) -> str:
    """Return ``text`` reduced to what identifies it: NFKC, casefolded, punctuation and invisible
    characters removed, whitespace collapsed to single spaces.

    The result is a hashing key, not something to show: ``“Don’t” — he said…`` and
    ``"don't" - he said...`` both become ``don t he said``.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    # Dropping an invisible character can bring a letter and its combining mark together, so
    # compose once more after the translation; that makes the function idempotent.
    folded = unicodedata.normalize("NFKC", folded.translate(_TABLE))
    return _WHITESPACE.sub(" ", folded).strip()


def content_hash(text: str) -> str | None:
    """Return the hex SHA-256 of ``normalise_body(text)``, or ``None`` when the normalised text is
    shorter than ``MIN_HASH_CHARS`` (too weak to identify an article; see there).
    """
    normalised = normalise_body(text)
    if len(normalised) < MIN_HASH_CHARS:
        return None
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()
