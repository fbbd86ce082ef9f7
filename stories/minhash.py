"""Near-duplicate signatures: word shingles, MinHash and LSH band keys (pure, no I/O).

Every stored article is signed in the crawl's hot path, so :func:`sign_article` goes from text
to signature in a few dozen numpy operations, with no Python loop per word or per shingle: about
0.15 ms of CPU per article with its band keys, where datasketch (SHA-1 per shingle, in Python)
and the shingle strings cost 0.75-0.95 ms. It hashes each word from its code points, combines
each run of SHINGLE_SIZE word hashes into one 64-bit shingle hash, and keeps, for each of
NUM_PERM multiply-shift hash functions, its minimum over the distinct shingles.
:func:`article_shingles` and :func:`sign` do the same from shingle strings, slowly and readably:
tests and the benchmark's sweep use them, and both routes give identical signatures.

The parameters below, the seeded constants and the hash functions are part of the stored index:
signatures and band keys computed otherwise do not compare, so changing any of them means
re-indexing ``article_signatures`` and ``story_bands`` (as migration 0005 does).
``bench/stories.py --sweep`` measures the choices on a labelled set.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "BANDS",
    "MAX_SHINGLE_SIZE",
    "MIN_SHINGLES",
    "NUM_PERM",
    "ROWS",
    "SEED",
    "SHINGLE_SIZE",
    "Signature",
    "article_shingles",
    "band_keys",
    "candidate_probability",
    "shingles",
    "sign",
    "sign_article",
    "similarities",
    "tokens",
]

#: Words per shingle. One-word shingles make different stories on the same topic look alike
#: (up to 0.43 on the bench set: they share the topic's words); each longer shingle lets a
#: substituted word break more shingles. With three words, copies of a story score 0.37 or more
#: (1st percentile 0.48) and different stories on the same topic, follow-ups reusing a
#: background paragraph included, 0.10 at most (``python -m bench.stories --sweep``). Two words
#: separate the bench set about as well, but real text repeats pairs like "of the" and "said
#: on" far more than the generator does, which would lift unrelated texts' similarity.
SHINGLE_SIZE: Final = 3
#: Permutations per signature: the standard error of the Jaccard estimate is
#: sqrt(J(1-J)/NUM_PERM), 0.043 at J = 0.4, and a signature is 512 bytes.
NUM_PERM: Final = 128
#: Fixed so that every process, and every restart, computes the same permutations.
SEED: Final = 1
#: LSH banding, BANDS * ROWS <= NUM_PERM (126 of the 128 values used). Two articles become
#: candidates when they agree on all ROWS values of at least one band, with probability
#: 1 - (1 - J**ROWS)**BANDS: 0.94 at J = 0.4 (the verification threshold in stories.cluster),
#: 0.996 at 0.5, 0.29 at 0.2 and 0.04 at 0.1; the curve's midpoint is (1/42)**(1/3) = 0.29.
#: The candidates are then verified on their full signatures, so the low end only costs a few
#: comparisons. 32 x 4 (midpoint 0.42) finds just 56% of the pairs at 0.4 and 87% at 0.5, which
#: cost 1.7 points of recall on the bench set; 16 x 8 (midpoint 0.71) suits a 0.7+ threshold only.
BANDS: Final = 42
ROWS: Final = 3
#: Fewer shingles than this (about a dozen words) say too little to compare: such an article is
#: not indexed and stays alone in its story (see ``stories.cluster``).
MIN_SHINGLES: Final = 10
#: The longest shingle, in words, that the seeded word weights cover.
MAX_SHINGLE_SIZE: Final = 64

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_MAX_HASH: Final = np.uint32(0xFFFFFFFF)
_U64 = np.uint64
_MASK64: Final = (1 << 64) - 1


def _seeded(name: str, count: int) -> npt.NDArray[np.uint64]:
    """``count`` fixed 64-bit constants: splitmix64 from a hash of SEED and ``name``.

    Pure Python and hashlib rather than numpy's Generator, whose streams numpy does not promise
    to keep across versions: an upgrade must not silently change every stored signature.
    """
    seed = hashlib.blake2b(f"newswatch.minhash/{SEED}/{name}".encode(), digest_size=8).digest()
    state = int.from_bytes(seed, "little")
    values = []
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & _MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        values.append(z ^ (z >> 31))
    array = np.array(values, dtype=np.uint64)
    array.flags.writeable = False
    return array


def _odd(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    array = values | _U64(1)
    array.flags.writeable = False
    return array


# Word hash: a polynomial in _BASE over the word's code points, plus its length times _LENGTH.
_BASE, _LENGTH = _odd(_seeded("word", 2)).tolist()
# One odd weight per word position in a shingle: the order of the words counts.
_POSITION = _odd(_seeded("shingle", MAX_SHINGLE_SIZE))
# The permutations, h_p(x) = (a_p * x mod 2**64) >> 32 for an odd a_p: multiply-shift
# (Dietzfelbinger et al.), a universal family, over shingle hashes that splitmix64's finaliser
# has already made uniform. The 2-independent multiply-add-shift (datasketch's affine scheme is
# one too) costs a fifth more per article and estimates no better (``test_minhash`` measures the
# estimates' bias and variance against the true Jaccard similarity).
_A = _odd(_seeded("permutation", NUM_PERM)).reshape(NUM_PERM, 1)
# Band keys: the band's index and each row value get their own odd weight.
_BAND_INDEX, _ROW = np.split(_odd(_seeded("band", NUM_PERM + 1)), [1])
# str.isalnum() of the Latin-1 characters, as a bytes.translate table ("[^\W_]" is isalnum).
_ALNUM_LATIN1 = bytes(int(chr(c).isalnum()) for c in range(256))
_APOSTROPHES = (ord("'"), ord("’"))
# Shingles per block of the NUM_PERM x block product matrix (8 MiB): bounds memory on long texts.
_BLOCK: Final = 8192
# Powers of _BASE and of its inverse mod 2**64, for texts of up to this many code points.
_POWERS_CACHED: Final = 1 << 16


def _power_table(base: int, n: int) -> npt.NDArray[np.uint64]:
    powers = np.full(n, base, dtype=np.uint64)
    powers[0] = 1
    return np.cumprod(powers, out=powers)  # uint64 products wrap: mod 2**64


_POWERS = _power_table(_BASE, _POWERS_CACHED)
_INVERSE_POWERS = _power_table(pow(_BASE, -1, 1 << 64), _POWERS_CACHED)


def tokens(text: str) -> list[str]:
    """Words of ``text`` after NFKC and case folding; punctuation and markup spacing vanish."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(words: Sequence[str], k: int = SHINGLE_SIZE) -> set[str]:
    """The set of ``k``-word shingles; a text shorter than ``k`` words is one shingle."""
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def article_shingles(
    title: str | None, body: str, k: int = SHINGLE_SIZE, min_shingles: int = MIN_SHINGLES
) -> set[str]:
    """Shingles of the body; the title's are added only when the body has too few of its own.

    Headlines are what sites rewrite, so they are evidence against a match as often as for
    it: two feed summaries with the same lead and different headlines would fall from 1.0 to
    about 0.5. Only a body of a line or two needs them to be comparable at all. Title and body
    are shingled apart, so that no shingle straddles the two.

    The readable definition; :func:`sign_article` computes ``sign(article_shingles(...))``
    without building the strings.
    """
    found = shingles(tokens(body), k)
    if title and len(found) < min_shingles:
        found |= shingles(tokens(title), k)
    return found


@dataclass(frozen=True, eq=False)
class Signature:
    """A MinHash signature (NUM_PERM uint32 values) and the size of the shingle set behind it."""

    values: npt.NDArray[np.uint32]
    shingle_count: int

    def to_bytes(self) -> bytes:
        """Little-endian uint32 values: 4 * NUM_PERM bytes, the stored form."""
        return self.values.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, shingle_count: int) -> Signature:
        values = np.frombuffer(data, dtype="<u4").astype(np.uint32)
        if values.shape != (NUM_PERM,):
            raise ValueError(f"signature of {len(data)} bytes, expected {4 * NUM_PERM}")
        return cls(values, shingle_count)

    def jaccard(self, other: Signature) -> float:
        """Estimated Jaccard similarity of the two shingle sets."""
        return float(np.count_nonzero(self.values == other.values)) / NUM_PERM


def sign_article(
    title: str | None, body: str, k: int = SHINGLE_SIZE, min_shingles: int = MIN_SHINGLES
) -> Signature:
    """``sign(article_shingles(title, body, k, min_shingles))``, at a fraction of the cost."""
    _check_shingle_size(k)
    found = _text_shingle_hashes(body, k)
    if title and found.size < min_shingles:
        found = _distinct(np.concatenate([found, _text_shingle_hashes(title, k)]))
    return _minhash(found)


def sign(shingle_set: Iterable[str]) -> Signature:
    """The MinHash signature of a set of shingles as :func:`shingles` makes them (words and
    single spaces); ``sign(article_shingles(title, body))`` equals ``sign_article(title, body)``."""
    split = [shingle.split(" ") for shingle in shingle_set]
    if not split:
        return _minhash(np.zeros(0, dtype=np.uint64))
    counts = np.fromiter(map(len, split), dtype=np.intp, count=len(split))
    _check_shingle_size(int(counts.max()))
    words = [word for parts in split for word in parts]
    lengths = np.fromiter(map(len, words), dtype=np.intp, count=len(words))
    ends = np.cumsum(lengths)
    word_hashes = _word_hashes(_code_points("".join(words)), ends - lengths, ends)
    first = np.cumsum(counts) - counts
    position = np.arange(len(words)) - np.repeat(first, counts)
    mixed = np.add.reduceat(word_hashes * _POSITION[position], first)
    return _minhash(_distinct(_finalise(mixed)))


def band_keys(signature: Signature, bands: int = BANDS, rows: int = ROWS) -> list[int]:
    """One signed 64-bit key per band: a hash of the band's index and its ``rows`` values.

    The index is part of the hash so that one indexed column holds every band without two
    bands colliding by construction. Empty signatures have no keys (they would all collide).
    """
    if bands * rows > NUM_PERM:
        raise ValueError(f"{bands} bands of {rows} rows need more than {NUM_PERM} values")
    if signature.shingle_count == 0 or bool(np.all(signature.values == _MAX_HASH)):
        return []
    raw = signature.values[: bands * rows].astype(np.uint64).reshape(bands, rows)
    mixed = raw @ _ROW[:rows]  # integer matmul wraps mod 2**64 like the other products
    mixed += np.arange(bands, dtype=np.uint64) * _BAND_INDEX
    keys: list[int] = _finalise(mixed).view(np.int64).tolist()
    return keys


def similarities(signature: Signature, others: Sequence[bytes]) -> npt.NDArray[np.float64]:
    """Estimated Jaccard of ``signature`` against many stored signatures at once."""
    if not others:
        return np.zeros(0, dtype=np.float64)
    matrix = np.frombuffer(b"".join(others), dtype="<u4").reshape(len(others), NUM_PERM)
    equal = np.count_nonzero(matrix == signature.values, axis=1)
    result: npt.NDArray[np.float64] = equal.astype(np.float64) / NUM_PERM
    return result


def candidate_probability(jaccard: float, bands: int = BANDS, rows: int = ROWS) -> float:
    """Probability that two sets with this Jaccard similarity share at least one band key."""
    return float(1.0 - (1.0 - jaccard**rows) ** bands)


def _check_shingle_size(k: int) -> None:
    if not 1 <= k <= MAX_SHINGLE_SIZE:
        raise ValueError(f"shingles of {k} words: 1 to {MAX_SHINGLE_SIZE} are supported")


def _code_points(text: str) -> npt.NDArray[np.uint32]:
    # surrogatepass: a lone surrogate (from a badly decoded page) is one code point, not an error.
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def _text_shingle_hashes(text: str, k: int) -> npt.NDArray[np.uint64]:
    """The distinct shingle hashes of a text: ``tokens`` and ``shingles`` without strings.

    A word is a maximal run of alphanumeric characters and of apostrophes with an alphanumeric
    character on each side, which is what ``_WORD`` matches (``test_minhash`` checks that they
    agree).
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    codes = _code_points(folded)
    # Latin-1 by bytes.translate; each wider character encodes as one "?" and is looked up apart.
    alnum = np.frombuffer(
        folded.encode("latin-1", "replace").translate(_ALNUM_LATIN1), dtype=np.bool_
    ).copy()
    if not folded.isascii():
        wide = np.flatnonzero(codes > 0xFF)
        if wide.size:
            distinct, inverse = np.unique(codes[wide], return_inverse=True)
            flags = [chr(code).isalnum() for code in distinct.tolist()]
            alnum[wide] = np.array(flags, dtype=np.bool_)[inverse]
    # Padded with a non-word at each end, so that every word has a start and an end edge.
    word = np.zeros(codes.size + 2, dtype=np.bool_)
    word[1:-1] = alnum
    inner = codes[1:-1]
    word[2:-2] |= ((inner == _APOSTROPHES[0]) | (inner == _APOSTROPHES[1])) & alnum[:-2] & alnum[2:]
    edges = np.flatnonzero(word[1:] != word[:-1])
    if not edges.size:
        return np.zeros(0, dtype=np.uint64)
    values = codes * word[1:-1]
    hashes = _word_hashes(values, edges[0::2], edges[1::2])
    count = max(hashes.size - k + 1, 1)
    width = min(k, hashes.size)
    mixed = hashes[:count] * _POSITION[0]
    for index in range(1, width):
        mixed += hashes[index : index + count] * _POSITION[index]
    return _distinct(_finalise(mixed))


def _word_hashes(
    values: npt.NDArray[np.uint32], starts: npt.NDArray[np.intp], ends: npt.NDArray[np.intp]
) -> npt.NDArray[np.uint64]:
    """Hash of each word ``values[start:end]``: sum of code point * _BASE**offset, plus its length.

    Positions outside the words must hold 0. One running sum over the whole text: the sum over
    a word, times _BASE**-start, is the word's own polynomial wherever the word stands.
    """
    # One more power than code points: an empty word may start at the very end (in ``sign``).
    size = values.size + 1
    if size <= _POWERS_CACHED:
        powers, inverse = _POWERS[:size], _INVERSE_POWERS[:size]
    else:
        powers = _power_table(_BASE, size)
        inverse = _power_table(pow(_BASE, -1, 1 << 64), size)
    running = np.zeros(size, dtype=np.uint64)
    np.cumsum(values * powers[:-1], out=running[1:])
    hashes = (running[ends] - running[starts]) * inverse[starts]
    hashes += (ends - starts).astype(np.uint64) * _U64(_LENGTH)
    return hashes


def _finalise(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser, in place: every input bit reaches every output bit."""
    values ^= values >> _U64(30)
    values *= _U64(0xBF58476D1CE4E5B9)
    values ^= values >> _U64(27)
    values *= _U64(0x94D049BB133111EB)
    values ^= values >> _U64(31)
    return values


def _distinct(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Sorted distinct values (``np.unique`` costs several times more on short arrays)."""
    if values.size < 2:
        return values
    ordered = np.sort(values)
    keep = np.empty(ordered.size, dtype=np.bool_)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _minhash(shingle_hashes: npt.NDArray[np.uint64]) -> Signature:
    """The signature of a set of distinct 64-bit shingle hashes.

    ``>> 32`` is monotonic, so it is applied to the NUM_PERM minima rather than to every
    product. Blocks of shingles bound the product matrix on long texts.
    """
    if not shingle_hashes.size:
        return Signature(np.full(NUM_PERM, _MAX_HASH, dtype=np.uint32), 0)
    lowest = np.full(NUM_PERM, _MASK64, dtype=np.uint64)
    for start in range(0, shingle_hashes.size, _BLOCK):
        products = _A * shingle_hashes[start : start + _BLOCK]
        np.minimum(lowest, products.min(axis=1), out=lowest)
    values: npt.NDArray[np.uint32] = (lowest >> _U64(32)).astype(np.uint32)
    return Signature(values, int(shingle_hashes.size))
