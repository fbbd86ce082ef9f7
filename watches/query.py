"""Parse the watch language into a typed syntax tree (see README.md, "The watch language").

Precedence, tightest first: ``title:``, ``NOT``, ``NEAR/n``, ``AND`` (also implicit), ``OR``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from watches.text import BREAK, tokenize

MIN_PREFIX = 3
MAX_NEAR = 1000
MAX_DEPTH = 50  # nested groups, NOTs and title:s; far more than anyone writes


class QuerySyntaxError(ValueError):
    """A query that does not parse; ``position`` is the 0-based offset of the problem."""

    def __init__(self, message: str, query: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.query = query
        self.position = position

    def __str__(self) -> str:
        shown = re.sub(r"\s", " ", self.query)
        return f"{self.message} at position {self.position}\n  {shown}\n  {' ' * self.position}^"


@dataclass(frozen=True)
class Term:
    """A word (or a hyphenated or dotted word: counter-terrorism, U.S.) as written in the query."""

    text: str
    words: tuple[str, ...]  # normalised tokens; BREAK where the term has inner punctuation
    prefix: bool  # written with a trailing ``*``
    inflect: bool  # English inflections of the last word also match
    start: int


@dataclass(frozen=True)
class Phrase:
    """A ``"quoted phrase"``: its words in this order, nothing but spaces or hyphens between."""

    text: str
    words: tuple[str, ...]
    prefix: bool
    inflect: bool
    start: int


@dataclass(frozen=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    operand: Node
    start: int


@dataclass(frozen=True)
class Near:
    """Both sides within ``distance`` words of each other, in either order, in the same field."""

    left: Node
    right: Node
    distance: int


@dataclass(frozen=True)
class Title:
    """The operand must match in the headline."""

    operand: Node


Node = Term | Phrase | And | Or | Not | Near | Title
Unit = Term | Phrase

_LEXEME = re.compile(
    r'\s*(?:(?P<open>\()|(?P<close>\))|(?P<quote>"[^"]*"?)'
    r'|(?P<field>[A-Za-z]+:)|(?P<word>[^\s()"]+))'
)
_NEAR = re.compile(r"NEAR(?:/(\d+))?")
_LOWER_OPERATORS = {"and", "or", "not", "near"}


@dataclass(frozen=True)
class _Lexeme:
    kind: str  # open, close, quote, field, word, AND, OR, NOT, NEAR, end
    text: str
    start: int
    distance: int = 0


def _lex(query: str) -> list[_Lexeme]:
    out: list[_Lexeme] = []
    pos = 0
    while (found := _LEXEME.match(query, pos)) and found.lastgroup:
        kind, text, start = (
            found.lastgroup,
            found.group(found.lastgroup),
            found.start(found.lastgroup),
        )
        pos = found.end()
        if kind == "word":
            kind, distance = _operator(query, text, start)
            out.append(_Lexeme(kind, text, start, distance))
        else:
            out.append(_Lexeme(kind, text, start))
    if query[pos:].strip():  # pragma: no cover - the word pattern takes anything else
        raise QuerySyntaxError("unexpected character", query, pos)
    out.append(_Lexeme("end", "", len(query)))
    return out


def _operator(query: str, text: str, start: int) -> tuple[str, int]:
    if text in ("AND", "OR", "NOT"):
        return text, 0
    if text.startswith("NEAR"):
        near = _NEAR.fullmatch(text)
        if not near or near.group(1) is None:
            raise QuerySyntaxError("NEAR needs a distance, as in NEAR/5", query, start)
        distance = int(near.group(1))
        if not 1 <= distance <= MAX_NEAR:
            raise QuerySyntaxError(f"NEAR distance must be 1 to {MAX_NEAR}", query, start + 5)
        return "NEAR", distance
    if text.lower() in _LOWER_OPERATORS:
        raise QuerySyntaxError(
            f"{text!r} is ambiguous: write {text.upper()} for the operator or quote the word",
            query,
            start,
        )
    return "word", 0


def parse(query: str) -> Node:
    """Parse ``query``; raises ``QuerySyntaxError`` with the position of the first problem."""
    if not query.strip():
        raise QuerySyntaxError("the query is empty", query, 0)
    parser = _Parser(query, _lex(query))
    node = parser.parse_or()
    parser.expect_end()
    negation = _matches_nothing_needed(node)
    if negation is not None:
        raise QuerySyntaxError(
            "the query matches articles that contain none of its terms (only NOT)",
            query,
            negation,
        )
    return node


class _Parser:
    def __init__(self, query: str, lexemes: list[_Lexeme]) -> None:
        self.query = query
        self.lexemes = lexemes
        self.index = 0
        self.depth = 0

    @property
    def peek(self) -> _Lexeme:
        return self.lexemes[self.index]

    def take(self) -> _Lexeme:
        lexeme = self.lexemes[self.index]
        self.index += 1
        return lexeme

    def error(self, message: str, position: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, self.query, position)

    def expect_end(self) -> None:
        if self.peek.kind != "end":
            raise self.error(f"unexpected {self.peek.text!r}", self.peek.start)

    def parse_or(self) -> Node:
        operands = [self.parse_and()]
        while self.peek.kind == "OR":
            self.take()
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def parse_and(self) -> Node:
        operands = [self.parse_near()]
        while self.peek.kind in ("AND", "NOT", "open", "quote", "field", "word"):
            if self.peek.kind == "AND":
                self.take()
            operands.append(self.parse_near())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def parse_near(self) -> Node:
        start = self.peek.start
        left = self.parse_unary()
        while self.peek.kind == "NEAR":
            near = self.take()
            if isinstance(left, Near):
                raise self.error("NEAR cannot be chained; join two NEARs with AND", near.start)
            self._check_positional(left, start)
            right_start = self.peek.start
            right = self.parse_unary()
            self._check_positional(right, right_start)
            left = Near(left, right, near.distance)
        return left

    def _check_positional(self, node: Node, start: int) -> None:
        if not _positional(node):
            raise self.error("NEAR works on terms, phrases and OR-groups of them", start)

    def parse_unary(self) -> Node:
        if self.peek.kind == "NOT":
            keyword = self.take()
            self.deeper(keyword)
            node = Not(self.parse_unary(), keyword.start)
            self.depth -= 1
            return node
        return self.parse_primary()

    def deeper(self, lexeme: _Lexeme) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the query is nested more than {MAX_DEPTH} deep", lexeme.start)

    def parse_primary(self) -> Node:
        lexeme = self.take()
        if lexeme.kind in ("field", "open"):
            self.deeper(lexeme)
            node = self.parse_group(lexeme)
            self.depth -= 1
            return node
        if lexeme.kind in ("word", "quote"):
            return _unit(self.query, lexeme)
        if lexeme.kind == "end":
            raise self.error("the query ends where a term was expected", lexeme.start)
        raise self.error(f"expected a term, found {lexeme.text!r}", lexeme.start)

    def parse_group(self, lexeme: _Lexeme) -> Node:
        """What follows ``title:`` or ``(``."""
        if lexeme.kind == "field":
            if lexeme.text.lower() != "title:":
                raise self.error(
                    f"unknown field {lexeme.text!r} (only title: exists)", lexeme.start
                )
            if self.peek.kind not in ("open", "quote", "word", "field"):
                raise self.error("title: must be followed by a term, phrase or group", lexeme.start)
            return Title(self.parse_primary())
        node = self.parse_or()
        if self.peek.kind == "end":
            raise self.error("'(' is never closed", lexeme.start)
        if self.peek.kind != "close":
            raise self.error(f"expected ')', found {self.peek.text!r}", self.peek.start)
        self.take()
        return node


def _positional(node: Node) -> bool:
    if isinstance(node, Term | Phrase):
        return True
    if isinstance(node, Title):
        return _positional(node.operand)
    if isinstance(node, Or):
        return all(_positional(operand) for operand in node.operands)
    return False


def _unit(query: str, lexeme: _Lexeme) -> Unit:
    quoted = lexeme.kind == "quote"
    start = lexeme.start
    if quoted and (len(lexeme.text) < 2 or not lexeme.text.endswith('"')):
        raise QuerySyntaxError("the quote is never closed", query, start)
    body = lexeme.text[1:-1] if quoted else lexeme.text
    offset = start + 1 if quoted else start
    star = body.find("*")
    prefix = star >= 0
    if prefix and star != len(body.rstrip()) - 1:
        raise QuerySyntaxError("'*' may only end a term or phrase", query, offset + star)
    tokens = tokenize(body.rstrip()[:-1] if prefix else body)
    while tokens and tokens[0][0] == BREAK:
        tokens.pop(0)
    while tokens and tokens[-1][0] == BREAK:
        tokens.pop()
    if not tokens:
        raise QuerySyntaxError("a term needs a letter or digit", query, start)
    words = tuple(token for token, _, _ in tokens)
    if prefix and len("".join(words)) < MIN_PREFIX:
        raise QuerySyntaxError(
            f"a prefix needs at least {MIN_PREFIX} letters before '*'", query, offset + star
        )
    _, last_start, last_end = tokens[-1]
    last = body[last_start:last_end]
    acronym = sum(c.isalpha() for c in last) >= 2 and last.isupper()
    kind = Phrase if quoted else Term
    return kind(lexeme.text, words, prefix, not (prefix or acronym), start)


def _matches_nothing_needed(node: Node) -> int | None:
    """The position of a NOT if ``node`` matches an article with none of its terms, else None."""
    if not _eval_empty(node):
        return None
    return _first_not(node)


def _eval_empty(node: Node) -> bool:
    if isinstance(node, Term | Phrase):
        return False
    if isinstance(node, Not):
        return not _eval_empty(node.operand)
    if isinstance(node, And):
        return all(_eval_empty(operand) for operand in node.operands)
    if isinstance(node, Or):
        return any(_eval_empty(operand) for operand in node.operands)
    if isinstance(node, Near):
        return False
    return _eval_empty(node.operand)


def _first_not(node: Node) -> int:
    found = [n.start for n in walk(node) if isinstance(n, Not)]
    return min(found, default=0)


def walk(node: Node) -> list[Node]:
    """``node`` and all nodes below it, depth first, left to right."""
    out: list[Node] = [node]
    if isinstance(node, And | Or):
        for operand in node.operands:
            out.extend(walk(operand))
    elif isinstance(node, Not | Title):
        out.extend(walk(node.operand))
    elif isinstance(node, Near):
        out.extend(walk(node.left))
        out.extend(walk(node.right))
    return out


def describe(node: Node) -> str:
    """A canonical, fully parenthesised form of ``node`` (for logs and tests)."""
    if isinstance(node, Term | Phrase):
        words = " ".join(node.words) + ("*" if node.prefix else "")
        return f'"{words}"' if isinstance(node, Phrase) or len(node.words) > 1 else words
    if isinstance(node, And | Or):
        name = "AND" if isinstance(node, And) else "OR"
        return "(" + f" {name} ".join(describe(operand) for operand in node.operands) + ")"
    if isinstance(node, Not):
        return f"NOT {describe(node.operand)}"
    if isinstance(node, Near):
        return f"({describe(node.left)} NEAR/{node.distance} {describe(node.right)})"
    return f"title:{describe(node.operand)}"
