"""Pure tests of the signatures: normalisation, shingles, MinHash, band keys."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stories.cluster import DEFAULT_PARAMS
from stories.minhash import (
    BANDS,
    NUM_PERM,
    ROWS,
    Signature,
    article_shingles,
    band_keys,
    candidate_probability,
    shingles,
    sign,
    similarities,
    tokens,
)
from tests.stories import texts

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def signature_of(text: texts.Text) -> Signature:
    return sign(article_shingles(text.title, text.body))


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


def test_signatures_are_the_same_in_another_process() -> None:
    # Every crawl process must compute the same signature: no per-process hash seed involved.
    code = (
        "from stories.minhash import article_shingles, sign, band_keys;"
        "from tests.stories.texts import PORT_PLOT as t;"
        "s = sign(article_shingles(t.title, t.body));"
        "print(s.to_bytes().hex(), band_keys(s))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split(" ", 1)
    signature = signature_of(texts.PORT_PLOT)
    assert output[0] == signature.to_bytes().hex()
    assert output[1].strip() == str(band_keys(signature))


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
    assert len(base) == BANDS
    assert all(-(2**63) <= key < 2**63 for key in base)
    assert band_keys(signature_of(texts.PORT_PLOT_NEW_HEADLINE)) == base
    assert set(base) & set(band_keys(signature_of(texts.PORT_PLOT_ADDED_PARAGRAPH)))
    assert not set(base) & set(band_keys(signature_of(texts.MARKET_TRIAL)))


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
    signature = sign(shingle_set)
    assert signature.shingle_count == len(shingle_set)
    keys = band_keys(signature)
    assert len(keys) == (BANDS if shingle_set else 0)
    assert all(-(2**63) <= key < 2**63 for key in keys)
