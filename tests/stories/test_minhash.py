"""Pure tests of the signatures: normalisation, shingles, MinHash, band keys."""

from __future__ import annotations

import hashlib
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stories import minhash
from stories.cluster import DEFAULT_PARAMS
from stories.minhash import (
    BANDS,
    MAX_SHINGLE_SIZE,
    MIN_SHINGLES,
    NUM_PERM,
    ROWS,
    Signature,
    article_shingles,
    band_keys,
    candidate_probability,
    shingles,
    sign,
    sign_article,
    similarities,
    tokens,
)
from tests.stories import texts

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# The stored index depends on these: a change to the scheme, the seeded constants or a library
# that feeds them (numpy, unicodedata) must come with a re-index migration like 0005.
PORT_PLOT_SHA256 = "ae38f7bf6eb947143de07043a7a6a7c779d2f3e260578c93481f3169f35e400d"
PORT_PLOT_FIRST_KEYS = [-8641430164265604548, -6699845649468696486]

# Characters where a word ends or does not: apostrophes, underscores, ligatures, full width,
# combining marks, other scripts, digits of other scripts, a lone surrogate, an emoji.
_EDGE_CHARACTERS = st.sampled_from(
    [*"aZ9 _'’-.,\n\t", "ß", "ﬁ", "Ｒ", "é", "\u0301", "İ", "ǅ", "東", "٣", "²", "\udc80", "😀"]
)
# Pieces that put those characters between and inside words.
_PIECES = st.sampled_from(
    ["don’t", "o'neil", "a''b", "'x'", "rock’n’roll", "’s", "x_y", "Ｒｏｔ", "ﬁnal", "ß", " ", "\n"]
)
_TEXTS = st.one_of(
    st.text(alphabet=st.one_of(_EDGE_CHARACTERS, st.characters()), max_size=300),
    st.lists(st.one_of(_PIECES, _EDGE_CHARACTERS), max_size=60).map("".join),
)


def signature_of(text: texts.Text) -> Signature:
    return sign_article(text.title, text.body)


def test_tokens_fold_case_width_and_punctuation() -> None:
    assert tokens("Police ARREST three—in “Rotterdam”, don’t they?") == [
        "police",
        "arrest",
        "three",
        "in",
        "rotterdam",
        "don’t",
        "they",
    ]
    # NFKC: full-width letters and ligatures read as their plain forms.
    assert tokens("Ｒｏｔｔｅｒｄａｍ ﬁnal") == ["rotterdam", "final"]
    assert tokens("snake_case a_b") == ["snake", "case", "a", "b"]


def test_shingles_are_overlapping_word_triples() -> None:
    assert shingles(["a", "b", "c", "d"]) == {"a b c", "b c d"}
    assert shingles(["a", "b"]) == {"a b"}
    assert shingles([]) == set()


def test_the_title_counts_only_when_the_body_is_too_short() -> None:
    long_body = article_shingles("Some headline words here", texts.PORT_PLOT.body)
    assert long_body == article_shingles(None, texts.PORT_PLOT.body)
    short = article_shingles("Three held over port plot", "Developing story.")
    assert "three held over" in short
    assert "developing story" in short
    # sign_article follows the same rule.
    assert (
        signature_of(texts.PORT_PLOT).to_bytes()
        == sign_article(None, texts.PORT_PLOT.body).to_bytes()
    )
    headline = sign_article("Three held over port plot", "Developing story.")
    assert headline.shingle_count == len(short) < MIN_SHINGLES
    assert headline.to_bytes() == sign(short).to_bytes()


@settings(max_examples=300, deadline=None)
@given(_TEXTS, st.one_of(st.none(), _TEXTS))
def test_sign_article_equals_sign_of_the_shingle_strings(body: str, title: str | None) -> None:
    # The fast path finds the same words as ``tokens`` (the regular expression is the
    # definition) and hashes them as ``sign`` hashes the strings of ``article_shingles``.
    expected = article_shingles(title, body)
    signature = sign_article(title, body)
    assert signature.shingle_count == len(expected)
    assert signature.to_bytes() == sign(expected).to_bytes()


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_every_shingle_size_gives_the_same_signature_both_ways(k: int) -> None:
    expected = article_shingles(texts.MARKET_TRIAL.title, texts.MARKET_TRIAL.body, k)
    signature = sign_article(texts.MARKET_TRIAL.title, texts.MARKET_TRIAL.body, k)
    assert signature.shingle_count == len(expected)
    assert signature.to_bytes() == sign(expected).to_bytes()


def test_shingle_sizes_outside_the_seeded_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="shingles of 0 words"):
        sign_article(None, "a b c", 0)
    with pytest.raises(ValueError, match=f"shingles of {MAX_SHINGLE_SIZE + 1} words"):
        sign_article(None, "a b c", MAX_SHINGLE_SIZE + 1)


def test_short_and_empty_texts() -> None:
    empty = sign_article(None, "")
    assert empty.shingle_count == 0
    assert bool(np.all(empty.values == np.uint32(0xFFFFFFFF)))
    assert band_keys(empty) == []
    assert sign_article("", " ... ").shingle_count == 0
    # Fewer words than a shingle: the whole text is one shingle, of however many words.
    two = sign_article(None, "Hello, there!")
    assert two.shingle_count == 1
    assert two.to_bytes() == sign({"hello there"}).to_bytes()
    assert two.to_bytes() != sign({"hello there you"}).to_bytes()
    assert len(band_keys(two)) == BANDS


def test_signatures_are_deterministic_and_round_trip_through_bytes() -> None:
    first = signature_of(texts.PORT_PLOT)
    again = signature_of(texts.PORT_PLOT)
    assert np.array_equal(first.values, again.values)
    data = first.to_bytes()
    assert len(data) == 4 * NUM_PERM
    restored = Signature.from_bytes(data, first.shingle_count)
    assert np.array_equal(restored.values, first.values)
    assert first.jaccard(restored) == 1.0
    with pytest.raises(ValueError, match="signature of 12 bytes"):
        Signature.from_bytes(b"\0" * 12, 1)


def test_identical_texts_have_identical_signatures_and_keys() -> None:
    body = "\n\n".join(text.body for text in [texts.PORT_PLOT, *texts.OTHER_STORIES])
    first, second = sign_article("A", body), sign_article("B", "".join(list(body)))
    assert first.to_bytes() == second.to_bytes()
    assert first.jaccard(second) == 1.0
    assert band_keys(first) == band_keys(second)


def test_signatures_are_pinned() -> None:
    signature = signature_of(texts.PORT_PLOT)
    assert hashlib.sha256(signature.to_bytes()).hexdigest() == PORT_PLOT_SHA256
    assert band_keys(signature)[:2] == PORT_PLOT_FIRST_KEYS


@pytest.mark.parametrize("hash_seed", ["0", "12345"])
def test_signatures_are_the_same_in_another_process(hash_seed: str) -> None:
    # Every crawl process must compute the same signature: no per-process hash seed involved.
    code = (
        "from stories.minhash import sign_article, band_keys;"
        "from tests.stories.texts import PORT_PLOT as t;"
        "s = sign_article(t.title, t.body + ' Ｒｏｔｔｅｒｄａｍ’s ﬁnal 東京');"
        "print(s.to_bytes().hex(), band_keys(s))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={"PYTHONHASHSEED": hash_seed, "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split(" ", 1)
    signature = sign_article(
        texts.PORT_PLOT.title, texts.PORT_PLOT.body + " Ｒｏｔｔｅｒｄａｍ’s ﬁnal 東京"
    )
    assert output[0] == signature.to_bytes().hex()
    assert output[1].strip() == str(band_keys(signature))


def test_long_texts_are_signed_in_blocks_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(3)
    words = [f"w{n}" for n in rng.integers(0, 5_000, 12_000)]
    body = " ".join(words)
    whole = sign_article(None, body)
    # Blocks of 100 shingles, and power tables computed for the text rather than cached.
    monkeypatch.setattr(minhash, "_BLOCK", 100)
    monkeypatch.setattr(minhash, "_POWERS_CACHED", 16)
    blocked = sign_article(None, body)
    assert blocked.shingle_count == whole.shingle_count == len(shingles(words))
    assert blocked.to_bytes() == whole.to_bytes()


def test_estimated_jaccard_tracks_the_true_jaccard() -> None:
    # Random text pairs, each a text and a copy with a random share of its words substituted.
    # The estimate counts the agreeing values among NUM_PERM independent permutations: its
    # error over sqrt(J(1-J)/NUM_PERM) has mean 0 and variance 1. Correlated permutations
    # would show as a larger variance; a biased hash as a mean away from 0. The bounds are
    # more than four standard errors wide for ~350 pairs (sd of the mean 0.05, of the
    # variance 0.08), and no single pair may stray more than six standard deviations.
    rng = np.random.default_rng(2026)
    vocabulary = [f"{word}{n}" for n, word in enumerate(["port", "plot", "said"] * 1_000)]
    errors = []
    for _ in range(400):
        length = int(rng.integers(40, 600))
        original = [vocabulary[int(n)] for n in rng.integers(0, len(vocabulary), length)]
        copy = list(original)
        for index in np.flatnonzero(rng.random(length) < rng.uniform(0.0, 0.6)):
            copy[int(index)] = vocabulary[int(rng.integers(0, len(vocabulary)))]
        first, second = " ".join(original), " ".join(copy)
        a, b = article_shingles(None, first), article_shingles(None, second)
        true = len(a & b) / len(a | b)
        estimate = sign_article(None, first).jaccard(sign_article(None, second))
        if not 0.05 <= true <= 0.95:
            continue
        error = (estimate - true) / math.sqrt(true * (1 - true) / NUM_PERM)
        assert abs(error) < 6, (true, estimate)
        errors.append(error)
    assert len(errors) > 300
    assert abs(float(np.mean(errors))) < 0.25
    assert 0.7 < float(np.var(errors)) < 1.4


@pytest.mark.parametrize("copy", texts.COPIES, ids=lambda t: t.title[:30])
def test_copies_score_above_the_threshold(copy: texts.Text) -> None:
    assert signature_of(texts.PORT_PLOT).jaccard(signature_of(copy)) >= DEFAULT_PARAMS.threshold


@pytest.mark.parametrize("other", texts.OTHER_STORIES, ids=lambda t: t.title[:30])
def test_other_stories_on_the_topic_score_far_below(other: texts.Text) -> None:
    assert signature_of(texts.PORT_PLOT).jaccard(signature_of(other)) < 0.2


def test_similarities_match_pairwise_jaccard() -> None:
    base = signature_of(texts.PORT_PLOT)
    others = [signature_of(t) for t in [*texts.COPIES, *texts.OTHER_STORIES]]
    batch = similarities(base, [o.to_bytes() for o in others])
    assert list(batch) == [base.jaccard(o) for o in others]
    assert similarities(base, []).shape == (0,)


def test_band_keys_identical_for_copies_and_mostly_different_otherwise() -> None:
    base = band_keys(signature_of(texts.PORT_PLOT))
    assert len(base) == len(set(base)) == BANDS
    assert all(-(2**63) <= key < 2**63 for key in base)
    assert band_keys(signature_of(texts.PORT_PLOT_NEW_HEADLINE)) == base
    assert set(base) & set(band_keys(signature_of(texts.PORT_PLOT_ADDED_PARAGRAPH)))
    assert not set(base) & set(band_keys(signature_of(texts.MARKET_TRIAL)))


def test_band_keys_depend_on_the_band_and_its_rows_only() -> None:
    signature = signature_of(texts.PORT_PLOT)
    repeated = np.resize(signature.values[:ROWS], NUM_PERM)
    same_rows = band_keys(Signature(repeated, signature.shingle_count))
    # Every band holds the same values: the keys still differ, by the band's index.
    assert len(set(same_rows)) == BANDS
    changed = signature.values.copy()
    changed[ROWS] ^= 1  # the second band's first row
    keys = band_keys(Signature(changed, signature.shingle_count))
    differ = [a != b for a, b in zip(keys, band_keys(signature), strict=True)]
    assert differ == [False, True] + [False] * (BANDS - 2)


def test_band_keys_of_an_empty_text_are_none() -> None:
    assert band_keys(sign(set())) == []


def test_band_layout_must_fit_the_signature() -> None:
    with pytest.raises(ValueError, match="need more than"):
        band_keys(signature_of(texts.PORT_PLOT), bands=64, rows=3)


def test_candidate_probability_is_the_lsh_s_curve() -> None:
    assert candidate_probability(0.0) == 0.0
    assert candidate_probability(1.0) == 1.0
    assert candidate_probability(DEFAULT_PARAMS.threshold) > 0.9
    assert candidate_probability(0.1) < 0.05
    assert BANDS * ROWS <= NUM_PERM


@given(st.text(max_size=400), st.one_of(st.none(), st.text(max_size=80)))
def test_any_text_gets_a_signature_and_valid_keys(body: str, title: str | None) -> None:
    shingle_set = article_shingles(title, body)
    signature = sign_article(title, body)
    assert signature.shingle_count == len(shingle_set)
    keys = band_keys(signature)
    assert len(keys) == (BANDS if shingle_set else 0)
    assert all(-(2**63) <= key < 2**63 for key in keys)
