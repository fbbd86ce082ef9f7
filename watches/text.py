"""Normalise and tokenise text for the watch matcher, keeping offsets into the original text.

Words are folded (NFKC, case folding, accents and other combining marks removed); every run of
punctuation becomes one ``BREAK`` token, so phrases and compounds never match across it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache
from itertools import accumulate, count
from operator import add

BREAK = "|"
"""What every run of punctuation (and every blank line) normalises to."""

_STOPWORDS = """
a an the of in on at to by for from with into onto as is it its be been was were are am and or nor
but if so no not do does did has had have he she we they you i me my us our his her their them
this that these those than then there s t d m ll re ve
"""
JOIN_STOPWORDS = frozenset(_STOPWORDS.split())
"""Words that never join a neighbour to spell a compound ("the rapist" is not "therapist")."""

_HYPHENS = r"\-\u2010\u2011"
_APOSTROPHES = "'\u2019\u02bc"
_LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})


def class_ranges(codes: Iterable[int]) -> str:
    """The body of a regex character class matching exactly ``codes``, written as ranges."""
    ranges: list[list[int]] = []
    for code in sorted(set(codes)):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(
        re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges
    )


def _marks() -> str:
    """Combining marks of the Basic Multilingual Plane, soft hyphen and joiners, as a class body."""
    codes = [c for c in range(0x10000) if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me")]
    return class_ranges([*codes, 0xAD, 0x200C, 0x200D])


_MARKS = _marks()
_W = rf"[^\W_](?:[^\W_]|[{_MARKS}])*"
_TOKEN = re.compile(
    rf"(?:[^\W\d_]\.){{2,}}"  # abbreviations: U.S., e.g.
    rf"|{_W}(?:[{_APOSTROPHES}]{_W})*(?:(?<=[sS])[{_APOSTROPHES}](?![^\W_]))?"  # words
    rf"|(?:[^\w\s{_HYPHENS}]|_)+"  # a run of punctuation
)
_NON_WORD = re.compile(rf"(?:[^\w{_MARKS}]|_)+")  # spacing marks (Devanagari) stay in words
_FOLD = {c: None for c in range(0x10000) if unicodedata.category(chr(c)) in ("Mn", "Cf")}
_BLANK_LINE = re.compile(r"\n([^\S\n]*)\n")
_PARAGRAPH_MARK = "\n\\1\x00"  # a blank line's last character becomes punctuation
_SPACED_BLANK_LINE = re.compile(r"\n[^\S\n]+\n")
_LAYOUT_BLOCK = 128  # chunks laid out at a time when a snippet needs offsets
_LINE_SPACES = ("\r", "\t", "\xa0")  # common whitespace that would otherwise split no chunk


def fold(text: str) -> str:
    """NFKC, case folding, then accents and other combining marks removed (and ø->o, æ->ae)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():
        return text
    text = unicodedata.normalize("NFD", text).translate(_FOLD).translate(_LETTERS)
    return unicodedata.normalize("NFC", text)


def normalize_token(raw: str) -> str:
    """One raw token -> its normalised form; rarely several words joined by a space ("½")."""
    if not raw[0].isalnum():
        return BREAK
    if raw.isascii() and raw.isalnum():
        return raw.lower()
    if raw[-1] == ".":
        raw = raw.replace(".", "")
    if len(raw) > 2 and raw[-1] in "sS" and raw[-2] in _APOSTROPHES:
        raw = raw[:-2]  # the possessive 's is not part of the word
    for mark in _APOSTROPHES:
        raw = raw.replace(mark, "")
    words = [w for w in _NON_WORD.split(fold(raw)) if w]
    return " ".join(words) if words else BREAK


@lru_cache(maxsize=65536)
def _chunk_tokens(chunk: str) -> tuple[tuple[str, int, int], ...]:
    """The normalised tokens of a whitespace-free chunk with their offsets in it."""
    return tuple(
        (word, *found.span())
        for found in _TOKEN.finditer(chunk)
        for word in normalize_token(found.group()).split(" ")
    )


class _Cache(dict[str, str]):
    """chunk -> its tokens, each followed by a space; news vocabulary repeats, so most lookups
    hit."""

    def __missing__(self, chunk: str) -> str:
        if len(self) > 200_000:
            self.clear()
        value = self[chunk] = "".join(word + " " for word, _, _ in _chunk_tokens(chunk))
        return value


class _Sizes(dict[str, int]):
    """chunk -> the length of its tokens in ``joined`` shifted up by ``_SHIFT``, plus its own
    length and the space after it: summing them places a chunk in both at once."""

    def __missing__(self, chunk: str) -> int:
        if len(self) > 200_000:
            self.clear()
        value = self[chunk] = len(_CACHE[chunk]) << _SHIFT | (len(chunk) + 1)
        return value


_CACHE = _Cache()
_SIZES = _Sizes()
_SHIFT = 40  # far above the length of any text
_IN_TEXT = (1 << _SHIFT) - 1  # & a sum of sizes: where in the text; >> _SHIFT: in ``joined``


def _prepare(text: str) -> str:
    """Same length as ``text``: blank lines end in a punctuation mark (so phrases stop at
    paragraphs) and line breaks and tabs are spaces (so chunks repeat and the cache hits)."""
    if "\n" in text:
        if _SPACED_BLANK_LINE.search(text):
            text = _BLANK_LINE.sub(_PARAGRAPH_MARK, text)
        else:  # every blank line is two line breaks: the same, without expanding a template
            text = text.replace("\n\n", "\n\x00")
        text = text.replace("\n", " ")
    for space in _LINE_SPACES:
        if space in text:
            text = text.replace(space, " ")
    return text


class TokenizedText:
    """A text split into normalised tokens (words and ``BREAK``), with lazy original offsets.

    The text is cut at single spaces (C speed) and each chunk is looked up in a cache; the
    chunks' tokens are ``joined``, each followed by one space. The matcher works on that string
    (a token is where it starts in it) and asks for the few offsets and word positions it needs:
    a chunk starts one character after the previous one ends, so they are cheap."""

    __slots__ = (
        "_anchors",
        "_chunks",
        "_offsets",
        "_starts",
        "_sums",
        "_tokens",
        "_words",
        "joined",
        "text",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        self._chunks = _prepare(text).split(" ")
        self.joined = "".join(map(_CACHE.__getitem__, self._chunks))
        self._tokens: list[str] | None = None
        self._starts: list[int] | None = None
        self._sums = [0]  # the sizes (see ``_Sizes``) of the chunks before each, summed
        self._offsets: dict[int, tuple[int, int]] = {}
        self._words: dict[int, int] = {0: 0}  # words before a position in ``joined``
        self._anchors = [0]  # the positions in ``_words``, in order

    @property
    def tokens(self) -> list[str]:
        """The tokens, in order."""
        if self._tokens is None:
            self._tokens = self.joined.split()
        return self._tokens

    def span(self, index: int) -> tuple[int, int]:
        """(start, end) in the original text of token ``index``."""
        return self.offsets(self._start(index))

    def word_position(self, index: int) -> int:
        """How many words (not ``BREAK``) come before token ``index``."""
        return self.words_before(self._start(index))

    def _start(self, index: int) -> int:
        if self._starts is None:
            lengths = accumulate(map(len, self.tokens), initial=0)
            self._starts = list(map(add, lengths, count()))  # plus one space per token
        if not 0 <= index < len(self._starts) - 1:
            raise IndexError(index)
        return self._starts[index]

    def offsets(self, position: int) -> tuple[int, int]:
        """(start, end) in the original text of the token at ``position`` in ``joined``."""
        found = self._offsets.get(position)
        if found is None:
            sums = self._sums
            while sums[-1] >> _SHIFT <= position:  # lay out only as far as needed
                if not self._lay_out():
                    raise IndexError(position)
            chunk = bisect_right(sums, position << _SHIFT | _IN_TEXT) - 1
            within = self.joined.count(" ", sums[chunk] >> _SHIFT, position)
            start = sums[chunk] & _IN_TEXT
            _, low, high = _chunk_tokens(self._chunks[chunk])[within]
            found = self._offsets[position] = start + low, start + high
        return found

    def words_before(self, position: int) -> int:
        """How many words (not ``BREAK``) come before the token at ``position`` in ``joined``."""
        found = self._words.get(position)
        if found is None:
            # Count on from the nearest position before it that is known.
            anchors, joined = self._anchors, self.joined
            at = bisect_right(anchors, position)
            anchor = anchors[at - 1]
            found = self._words[anchor] + joined.count(" ", anchor, position)
            found -= joined.count(BREAK, anchor, position)
            self._words[position] = found
            anchors.insert(at, position)
        return found

    def ending_by(self, offset: int) -> int:
        """Where in ``joined`` the first token that ends after ``offset`` in the original text
        starts (the length of ``joined`` if none does)."""
        # A chunk ends where the next one starts, less the space between them.
        sums, after = self._sums, offset + 1
        while sums[-1] & _IN_TEXT <= after and self._lay_out():
            pass
        chunk = bisect_right(sums, after, key=_IN_TEXT.__and__) - 1
        if chunk == len(self._chunks):
            return len(self.joined)
        start = sums[chunk] & _IN_TEXT
        position = sums[chunk] >> _SHIFT
        for _, _, high in _chunk_tokens(self._chunks[chunk]):
            if start + high > offset:
                break
            position = self.joined.index(" ", position) + 1
        return position

    def _lay_out(self) -> bool:
        """Sum the sizes of the next block of chunks; False if all are summed."""
        sums = self._sums
        done = len(sums) - 1
        if done == len(self._chunks):
            return False
        block = self._chunks[done : done + _LAYOUT_BLOCK]
        sums += accumulate(map(_SIZES.__getitem__, block), initial=sums[-1])
        del sums[done + 1]  # the initial value again
        return True


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Every token of ``text`` as (normalised text, start, end) with offsets into ``text``."""
    tokens = TokenizedText(text)
    return [(tok, *tokens.span(i)) for i, tok in enumerate(tokens.tokens)]
