"""Match an article against every watch at once: one Aho-Corasick automaton over all query terms,
then only the boolean trees of watches whose trigger terms were found are evaluated."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from watches.article import BODY, FIELDS, TITLE, Article, NearSpec
from watches.compiled import CompiledWatch, compile_watch
from watches.index import Span, TermIndex
from watches.query import Node, parse
from watches.snippet import mark
from watches.spec import Watch

__all__ = ["Matcher", "WatchMatch", "mark"]


@dataclass(frozen=True)
class WatchMatch:
    """One watch that matched one article."""

    watch: str
    terms: tuple[str, ...]  # the query terms that matched, as written in the query
    fields: tuple[str, ...]  # subset of ("title", "body")
    snippet: str  # plain-text excerpt of the body around the first hit (else the title)
    highlights: tuple[tuple[int, int], ...]  # (start, end) in snippet of every hit within it


class Matcher:
    """All watches compiled once; ``match`` is then called for every new article."""

    def __init__(self, watches: Iterable[Watch | tuple[str, Node | str]]) -> None:
        self._index = TermIndex()
        self._watches: list[CompiledWatch] = []
        triggers: dict[int, list[int]] = {}
        seen: set[str] = set()
        for index, (name, root) in enumerate(_named_queries(watches)):
            if name in seen:
                raise ValueError(f"two watches are named {name!r}")
            seen.add(name)
            compiled = compile_watch(name, root, self._index)
            self._watches.append(compiled)
            for uid in compiled.triggers:
                triggers.setdefault(uid, []).append(index)
        self._index.freeze()
        self._triggers = [tuple(triggers.get(uid, ())) for uid in range(len(self._index.units))]
        self._evaluators = [watch.evaluate for watch in self._watches]

    def __len__(self) -> int:
        return len(self._watches)

    def match(self, title: str, body: str) -> list[WatchMatch]:
        """Every watch that ``title`` and ``body`` match, in the order the watches were given."""
        article = Article(title, body, self._index)
        watches = self._watches
        return [_report(watches[index], article) for index in self._matching(article)]

    def names(self, title: str, body: str) -> list[str]:
        """The names of the watches that match, without terms or snippets (cheaper)."""
        watches = self._watches
        article = Article(title, body, self._index)
        return [watches[index].name for index in self._matching(article)]

    def _matching(self, article: Article) -> list[int]:
        """The indexes of the watches that match, in order."""
        fields = article.fields
        candidates = set().union(*map(self._triggers.__getitem__, fields))
        evaluators = self._evaluators
        return [index for index in sorted(candidates) if evaluators[index](article, fields)]


def _report(watch: CompiledWatch, article: Article) -> WatchMatch:
    terms: list[str] = []
    in_title: set[Span] = set()
    in_body: set[Span] = set()
    fields = article.fields
    title_hits, body_hits = article.hits[TITLE], article.hits[BODY]
    for uid, mask, text, near in watch.positives:
        where = fields.get(uid, 0) & mask
        if not where:
            continue
        if near is None:  # a unit is in a field's hits only if it has some there
            if where & BODY:
                in_body.update(body_hits[uid])
            if where & TITLE:
                in_title.update(title_hits[uid])
        elif not _near_hits(article, near, uid, where, (in_title, in_body)):
            continue
        if text not in terms:
            terms.append(text)
    if in_body:
        snippet, highlights = article.excerpt(BODY, in_body)
        where_found: tuple[str, ...] = ("title", "body") if in_title else ("body",)
    elif in_title:
        snippet, highlights = article.excerpt(TITLE, in_title)
        where_found = ("title",)
    else:
        snippet, highlights, where_found = "", (), ()
    return WatchMatch(watch.name, tuple(terms), where_found, snippet, highlights)


def _near_hits(
    article: Article, near: NearSpec, uid: int, where: int, spans: tuple[set[Span], set[Span]]
) -> bool:
    """Add to ``spans`` (title, body) the hits of unit ``uid`` in the fields ``where`` that are
    within the distance of ``near``; whether there are any."""
    found = False
    for field, into in zip(FIELDS, spans, strict=True):
        if where & field:
            witnesses = article.witnesses(near, field)
            hits = [hit for hit in article.hits[field][uid] if hit in witnesses]
            if hits:
                into.update(hits)
                found = True
    return found


def _named_queries(watches: Iterable[Watch | tuple[str, Node | str]]) -> Iterable[tuple[str, Node]]:
    for item in watches:
        if isinstance(item, Watch):
            yield item.name, item.parsed
        else:
            name, query = item
            yield name, parse(query) if isinstance(query, str) else query
