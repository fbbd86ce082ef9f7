"""Compile a parsed watch against the shared term index: a fast boolean evaluator, the units
that trigger its evaluation, and the positive units reported when it matches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from watches.article import ANYWHERE, TITLE, Article, Located, NearSpec
from watches.index import TermIndex
from watches.query import And, Node, Not, Or, Phrase, Term, Title
from watches.text import JOIN_STOPWORDS

Evaluator = Callable[[Article, dict[int, int]], bool]  # (article, unit id -> field mask)
Positive = tuple[int, int, str, NearSpec | None]  # unit id, field mask, text, enclosing NEAR


@dataclass(frozen=True)
class CompiledWatch:
    name: str
    evaluate: Evaluator
    triggers: frozenset[int]  # one of these units must occur for the watch to match
    positives: tuple[Positive, ...]  # units outside any NOT, in query order


def compile_watch(name: str, root: Node, index: TermIndex) -> CompiledWatch:
    """Register the watch's units in ``index`` and compile it."""
    compiler = _Compiler(index)
    evaluate = compiler.evaluator(root, ANYWHERE)
    positives: list[Positive] = []
    compiler.positives(root, ANYWHERE, True, None, positives)
    found = compiler.trigger(root)
    triggers = found[1] if found else frozenset(uid for uid, _, _, _ in positives)
    return CompiledWatch(name, evaluate, triggers, tuple(positives))


def _unit(uid: int, mask: int) -> Evaluator:
    if mask == ANYWHERE:
        return lambda _, fields: uid in fields
    return lambda _, fields: bool(fields.get(uid, 0) & mask)


def _and(one: Evaluator, other: Evaluator) -> Evaluator:
    return lambda article, fields: one(article, fields) and other(article, fields)


def _or(one: Evaluator, other: Evaluator) -> Evaluator:
    return lambda article, fields: one(article, fields) or other(article, fields)


def _not(inner: Evaluator) -> Evaluator:
    return lambda article, fields: not inner(article, fields)


def _near(near: NearSpec) -> Evaluator:
    return lambda article, _: article.near(near)


def _balanced(
    join: Callable[[Evaluator, Evaluator], Evaluator], parts: list[Evaluator]
) -> Evaluator:
    """Join ``parts`` pairwise as a balanced tree, so a long OR list does not nest deeply."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return join(_balanced(join, parts[:middle]), _balanced(join, parts[middle:]))


class _Compiler:
    def __init__(self, index: TermIndex) -> None:
        self.index = index

    def evaluator(self, node: Node, mask: int) -> Evaluator:
        """Nested closures, two operands each: about ten times faster than generators."""
        if isinstance(node, Term | Phrase):
            return _unit(self.index.add(node), mask)
        if isinstance(node, Title):
            return self.evaluator(node.operand, mask & TITLE)
        if isinstance(node, Not):
            return _not(self.evaluator(node.operand, mask))
        if isinstance(node, And | Or):
            parts = [self.evaluator(operand, mask) for operand in node.operands]
            return _balanced(_and if isinstance(node, And) else _or, parts)
        # Both sides present (cheap) before any positions are compared.
        present = _and(self.evaluator(node.left, mask), self.evaluator(node.right, mask))
        return _and(present, _near(self.near_spec(node.left, node.right, node.distance, mask)))

    def near_spec(self, left: Node, right: Node, distance: int, mask: int) -> NearSpec:
        return NearSpec(self.locate(left, mask), self.locate(right, mask), distance)

    def locate(self, node: Node, mask: int) -> Located:
        """The (unit id, field mask) pairs of a NEAR operand: a unit, title:, or an OR of them."""
        if isinstance(node, Term | Phrase):
            return ((self.index.add(node), mask),)
        if isinstance(node, Title):
            return self.locate(node.operand, mask & TITLE)
        if isinstance(node, Or):
            return tuple(pair for operand in node.operands for pair in self.locate(operand, mask))
        raise ValueError(f"not a NEAR operand: {node!r}")  # the parser rejects these

    def positives(
        self, node: Node, mask: int, positive: bool, near: NearSpec | None, out: list[Positive]
    ) -> None:
        """Collect the units outside any NOT, in query order, with the NEAR they sit in."""
        if isinstance(node, Term | Phrase):
            if positive:
                out.append((self.index.add(node), mask, node.text, near))
        elif isinstance(node, Title):
            self.positives(node.operand, mask & TITLE, positive, near, out)
        elif isinstance(node, Not):
            self.positives(node.operand, mask, not positive, near, out)
        elif isinstance(node, And | Or):
            for operand in node.operands:
                self.positives(operand, mask, positive, near, out)
        else:
            spec = self.near_spec(node.left, node.right, node.distance, mask)
            self.positives(node.left, mask, positive, spec, out)
            self.positives(node.right, mask, positive, spec, out)

    def trigger(self, node: Node) -> tuple[float, frozenset[int]] | None:
        """Units one of which must occur for ``node`` to match, and their summed cost; None if
        there are none (a NOT). For AND and NEAR the cheapest operand's units suffice."""
        if isinstance(node, Term | Phrase):
            uid = self.index.add(node)
            return self.cost(uid), frozenset({uid})
        if isinstance(node, Title):
            return self.trigger(node.operand)
        if isinstance(node, Not):
            return None
        operands = node.operands if isinstance(node, And | Or) else (node.left, node.right)
        found = [one for one in map(self.trigger, operands) if one is not None]
        if isinstance(node, Or):
            if len(found) < len(operands):
                return None
            return sum(cost for cost, _ in found), frozenset().union(*(uids for _, uids in found))
        return min(found, key=lambda one: one[0], default=None)

    def cost(self, uid: int) -> float:
        """A guess at how often a unit occurs (long words and phrases are rarer)."""
        unit = self.index.units[uid]
        cost = 1.0 / (1 + len(unit.key))
        if unit.joints:
            cost *= 0.3
        if unit.prefix:
            cost *= 3
        if unit.key in JOIN_STOPWORDS:
            cost *= 10
        return cost
