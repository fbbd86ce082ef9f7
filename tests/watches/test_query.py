"""The watch language parser: operators, precedence, units and syntax errors with positions."""

from __future__ import annotations

import pytest

from watches.query import (
    And,
    Near,
    Not,
    Or,
    Phrase,
    QuerySyntaxError,
    Term,
    Title,
    describe,
    parse,
)


def shape(query: str) -> str:
    return describe(parse(query))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cybercrime", "cybercrime"),
        ('"money laundering"', '"money laundering"'),
        ("cyber*", "cyber*"),
        ('"money launder*"', '"money launder*"'),
        ("a AND b", "(a AND b)"),
        ("a b", "(a AND b)"),  # implicit AND
        ("a OR b", "(a OR b)"),
        ("a NOT b", "(a AND NOT b)"),
        ("a AND NOT b", "(a AND NOT b)"),
        ("a NEAR/5 b", "(a NEAR/5 b)"),
        ("title:a", "title:a"),
        ('title:"a b"', 'title:"a b"'),
        ("title:(a OR b)", "title:(a OR b)"),
        ("TITLE:a", "title:a"),
        ("(a)", "a"),
        ("counter-terrorism", '"counter terrorism"'),
        ("U.S.", "us"),
        ("9/11", '"9 | 11"'),
    ],
)
def test_every_operator_parses(query: str, expected: str) -> None:
    assert shape(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a b OR c", "((a AND b) OR c)"),
        ("a OR b c", "(a OR (b AND c))"),
        ("a OR b OR c", "(a OR b OR c)"),
        ("NOT a b", "(NOT a AND b)"),
        ("a NEAR/5 b c", "((a NEAR/5 b) AND c)"),
        ("a OR b NEAR/2 c", "(a OR (b NEAR/2 c))"),
        ("title:a b", "(title:a AND b)"),
        ("NOT title:a b", "(NOT title:a AND b)"),
        ("(a OR b) NEAR/3 (c OR title:d)", "((a OR b) NEAR/3 (c OR title:d))"),
        ("(a OR b) (c OR d) NOT (e OR f)", "((a OR b) AND (c OR d) AND NOT (e OR f))"),
    ],
)
def test_precedence_title_not_near_and_or(query: str, expected: str) -> None:
    assert shape(query) == expected


def test_the_tree_is_made_of_typed_frozen_nodes() -> None:
    node = parse('title:"terror financing" OR (cyber* NEAR/3 FIA) NOT hawala')
    assert isinstance(node, Or)
    first, second = node.operands
    assert first == Title(Phrase('"terror financing"', ("terror", "financing"), False, True, 6))
    assert isinstance(second, And)
    near, negated = second.operands
    assert near == Near(
        Term("cyber*", ("cyber",), True, False, 29), Term("FIA", ("fia",), False, False, 43), 3
    )
    assert negated == Not(Term("hawala", ("hawala",), False, True, 52), 48)
    with pytest.raises(AttributeError):
        negated.start = 0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("query", "inflect"),
    [("crime", True), ("CTD", False), ("U.S.", False), ("cyber*", False), ('"Cyber Crime"', True)],
)
def test_capitals_and_prefixes_turn_inflection_off(query: str, inflect: bool) -> None:
    node = parse(query)
    assert isinstance(node, Term | Phrase)
    assert node.inflect is inflect


@pytest.mark.parametrize(
    ("query", "position", "message"),
    [
        ("", 0, "empty"),
        ("   ", 0, "empty"),
        ("NOT a", 0, "none of its terms"),
        ("a OR NOT b", 5, "none of its terms"),
        ("(NOT a) OR (NOT b)", 1, "none of its terms"),
        ("a AND", 5, "ends where a term was expected"),
        ("AND a", 0, "expected a term"),
        ("a OR OR b", 5, "expected a term"),
        ("(a OR b", 0, "never closed"),
        ("a OR b)", 6, "unexpected ')'"),
        ("()", 1, "expected a term"),
        ('"money laundering', 0, "quote is never closed"),
        ('""', 0, "letter or digit"),
        ("cy*ber", 2, "'*' may only end"),
        ('"money* laundering"', 6, "'*' may only end"),
        ("ab*", 2, "at least 3"),
        ("*", 0, "letter or digit"),
        ("a NEAR b", 2, "NEAR needs a distance"),
        ("a NEAR/0 b", 7, "1 to 1000"),
        ("a NEAR/x b", 2, "NEAR needs a distance"),
        ("a NEAR/2 b NEAR/2 c", 11, "cannot be chained"),
        ("NOT a NEAR/3 b", 0, "NEAR works on"),
        ("a NEAR/3 (b AND c)", 9, "NEAR works on"),
        ("x and y", 2, "write AND"),
        ("x or y", 2, "write OR"),
        ("body:x", 0, "unknown field"),
        ("title:", 0, "must be followed"),
        ("title:NOT a", 0, "must be followed"),
        ("&", 0, "letter or digit"),
    ],
)
def test_errors_point_at_the_problem(query: str, position: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    assert caught.value.position == position
    assert message in caught.value.message


def test_the_error_shows_the_query_with_a_caret() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse("cyber* OR (hacker*\tOR ransomware")
    assert str(caught.value).splitlines() == [
        "'(' is never closed at position 10",
        "  cyber* OR (hacker* OR ransomware",
        "            ^",
    ]
    assert isinstance(caught.value, ValueError)


def test_quoted_operators_and_lowercase_in_phrases_are_words() -> None:
    assert shape('"and"') == '"and"'
    assert shape('"war on terror"') == '"war on terror"'
    assert shape('"NOT" OR b') == '("not" OR b)'


def test_a_negated_term_is_fine_when_a_positive_one_is_required() -> None:
    assert shape("a NOT (b OR c)") == "(a AND NOT (b OR c))"
    assert shape("NOT NOT a") == "NOT NOT a"
