"""Near-duplicate signatures: word shingles, datasketch MinHash and LSH band keys (pure, no I/O).

The parameters below are part of the stored index: signatures and band keys computed with other
values do not compare, so changing any of them means re-indexing ``article_signatures`` and
``story_bands``. ``bench/stories.py --sweep`` measures the choices on a labelled set.
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
from datasketch import MinHash

__all__ = [
    "BANDS",
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

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_MAX_HASH: Final = np.uint32(0xFFFFFFFF)
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED)


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


def sign(shingle_set: Iterable[str]) -> Signature:
    """The datasketch MinHash signature of a shingle set (affine32 scheme, SHA-1 input hash)."""
    items = [s.encode("utf-8") for s in shingle_set]
    minhash = MinHash(
        num_perm=NUM_PERM, seed=SEED, permutations=_TEMPLATE.permutations, scheme="affine32"
    )
    minhash.update_batch(items)
    values: npt.NDArray[np.uint32] = np.asarray(minhash.hashvalues, dtype=np.uint32)
    return Signature(values, len(items))


def band_keys(signature: Signature, bands: int = BANDS, rows: int = ROWS) -> list[int]:
    """One signed 64-bit key per band: a hash of the band's index and its ``rows`` values.

    The index is part of the hash so that one indexed column holds every band without two
    bands colliding by construction. Empty signatures have no keys (they would all collide).
    """
    if bands * rows > NUM_PERM:
        raise ValueError(f"{bands} bands of {rows} rows need more than {NUM_PERM} values")
    if signature.shingle_count == 0 or bool(np.all(signature.values == _MAX_HASH)):
        return []
    raw = signature.values[: bands * rows].astype("<u4").reshape(bands, rows)
    keys = []
    for index in range(bands):
        digest = hashlib.blake2b(
            index.to_bytes(2, "little") + raw[index].tobytes(), digest_size=8
        ).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
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
