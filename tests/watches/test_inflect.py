"""English inflection rules for the last word of a term."""

from __future__ import annotations

import pytest

from watches.inflect import inflections


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("cybercrime", {"cybercrimes", "cybercrimed", "cybercriming"}),
        ("launder", {"launders", "laundered", "laundering"}),
        ("attack", {"attacks", "attacked", "attacking"}),
        ("seize", {"seizes", "seized", "seizing"}),
        ("search", {"searches", "searched", "searching"}),
        ("militancy", {"militancies", "militancied"}),
        ("survey", {"surveys", "surveyed", "surveying"}),
        ("ban", {"bans", "banned", "banning"}),
        ("target", {"targets", "targeted", "targetted", "targeting"}),
        ("agree", {"agrees", "agreed", "agreeing"}),
        ("die", {"dies", "died", "dying"}),
        ("traffic", {"traffics", "trafficked", "trafficking"}),
        ("hero", {"heroes", "heros"}),
    ],
)
def test_regular_forms_are_generated(word: str, forms: set[str]) -> None:
    generated = inflections(word)
    assert word in generated
    assert forms <= generated


@pytest.mark.parametrize(
    ("word", "not_a_form"),
    [
        ("ban", "baned"),  # short consonant-vowel-consonant words always double
        ("rat", "rated"),
        ("launder", "launderer"),  # derivation, not inflection
        ("terror", "terrorist"),
        ("seek", "sought"),  # irregular
        ("crisis", "crises"),
    ],
)
def test_what_is_not_a_form(word: str, not_a_form: str) -> None:
    assert not_a_form not in inflections(word)


@pytest.mark.parametrize("word", ["us", "is", "911", "کراچی", "g20"])
def test_short_or_non_latin_words_are_not_inflected(word: str) -> None:
    assert inflections(word) == {word}
