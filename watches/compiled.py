"""Compile a parsed watch against the shared term index: a boolean evaluator (generated Python:
one call per candidate watch rather than one per node of its query), the units that trigger its
evaluation, and the positive units reported when it matches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import count
from typing import cast

from watches.article import ANYWHERE, TITLE, Article, Located, NearSpec
from watches.index import TermIndex
from watches.query import And, Node, Not, Or, Phrase, Term, Title
from watches.text import JOIN_STOPWORDS

Evaluator = Callable[[Article, dict[int, int]], bool]  # (article, unit id -> field mask)
Positive = tuple[int, int, str, NearSpec | None]  # unit id, field mask, text, enclosing NEAR
_NESTING = 40  # levels of parentheses in one generated function (Python allows 200)


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


class _Compiler:
    def __init__(self, index: TermIndex) -> None:
        self.index = index
        self.namespace: dict[str, object] = {}
        self.names = count()

    def evaluator(self, node: Node, mask: int) -> Evaluator:
        """One generated function per watch, so that evaluating it is a single call rather than
        a call per node; only unit ids, masks and names bound by ``_bind`` go into its source."""
        return cast(Evaluator, self.namespace[self._function(node, mask)])

    def _function(self, node: Node, mask: int) -> str:
        name = self._bind(None, "evaluate")
        exec(f"def {name}(a, f):\n    return {self.expression(node, mask, 0)}\n", self.namespace)
        return name

    def expression(self, node: Node, mask: int, depth: int) -> str:
        """``node`` as a Python expression over ``a`` (the article) and ``f`` (its fields); it
        short-circuits like the query reads, and every part of it is a bool."""
        if depth > _NESTING:  # Python's compiler has a nesting limit: continue in a new function
            return f"{self._function(node, mask)}(a, f)"
        if isinstance(node, Term | Phrase):
            uid = self.index.add(node)
            return f"{uid} in f" if mask == ANYWHERE else f"f.get({uid}, 0) & {mask} != 0"
        if isinstance(node, Title):
            return self.expression(node.operand, mask & TITLE, depth)
        if isinstance(node, Not):
            return f"not ({self.expression(node.operand, mask, depth + 1)})"
        if isinstance(node, And | Or):
            parts = [f"({self.expression(part, mask, depth + 1)})" for part in node.operands]
            return (" and " if isinstance(node, And) else " or ").join(parts)
        # Both sides present (cheap) before any positions are compared.
        left = self.expression(node.left, mask, depth + 1)
        right = self.expression(node.right, mask, depth + 1)
        near = self._bind(self.near_spec(node.left, node.right, node.distance, mask), "near")
        return f"({left}) and ({right}) and a.near({near})"

    def _bind(self, value: object, kind: str) -> str:
        """A fresh name in the generated code's namespace, bound to ``value``."""
        name = f"_{kind}{next(self.names)}"
        self.namespace[name] = value
        return name

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
