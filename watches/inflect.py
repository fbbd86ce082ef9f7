"""English inflections of a watch word: plural/third person (-s, -es, -ies), past (-ed) and -ing.

Rules, not a dictionary: they apply to words of three or more letters a-z (see the README).
"""

from __future__ import annotations

_VOWELS = frozenset("aeiou")
_SIBILANT_ENDINGS = ("s", "x", "z", "ch", "sh", "o")
MIN_LENGTH = 3


def _is_cvc(word: str) -> bool:
    """Ends consonant-vowel-consonant (ban, target), where English doubles the last consonant."""
    if len(word) < 3:
        return False
    a, b, c = word[-3], word[-2], word[-1]
    return a not in _VOWELS and b in _VOWELS and c not in _VOWELS and c not in "wxy"


def _plurals(word: str) -> set[str]:
    if word.endswith(_SIBILANT_ENDINGS):
        return {word + "es", word + "s"} if word.endswith("o") else {word + "es"}
    if word.endswith("y") and word[-2] not in _VOWELS:
        return {word[:-1] + "ies"}
    return {word + "s"}


def _with_suffix(word: str, suffix: str) -> set[str]:
    """``word`` + "ed" or "ing" with the usual spelling changes."""
    if word.endswith("e"):
        if suffix == "ed":
            return {word + "d"}
        if word.endswith("ie"):
            return {word[:-2] + "ying"}
        return {word + suffix} if word.endswith(("ee", "ye", "oe")) else {word[:-1] + suffix}
    if suffix == "ed" and word.endswith("y") and word[-2] not in _VOWELS:
        return {word[:-1] + "ied"}
    if word.endswith("c"):
        return {word + "k" + suffix, word + suffix}
    if _is_cvc(word):
        doubled = word + word[-1] + suffix
        # Short words always double (banned, not baned); longer ones depend on stress.
        return {doubled} if len(word) <= 4 else {doubled, word + suffix}
    return {word + suffix}


def inflections(word: str) -> frozenset[str]:
    """``word`` and its regular inflected forms; just ``word`` if it is short or not a-z."""
    if len(word) < MIN_LENGTH or not (word.isascii() and word.isalpha()):
        return frozenset({word})
    return frozenset({word} | _plurals(word) | _with_suffix(word, "ed") | _with_suffix(word, "ing"))
