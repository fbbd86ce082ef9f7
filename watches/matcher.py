"""Match an article against every watch at once: one Aho-Corasick automaton over all query terms,
then only the boolean trees of watches whose trigger terms were found are evaluated."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from watches.article import BODY, FIELDS, TITLE, Article
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

    def __len__(self) -> int:
        return len(self._watches)

    def match(self, title: str, body: str) -> list[WatchMatch]:
        """Every watch that ``title`` and ``body`` match, in the order the watches were given."""
        article = Article(title, body, self._index)
        return [self._report(watch, article) for watch in self._matching(article)]

    def names(self, title: str, body: str) -> list[str]:
        """The names of the watches that match, without terms or snippets (cheaper)."""
        return [watch.name for watch in self._matching(Article(title, body, self._index))]

    def _matching(self, article: Article) -> list[CompiledWatch]:
        fields = article.fields
        candidates: set[int] = set()
        for uid in fields:
            candidates.update(self._triggers[uid])
        watches = self._watches
        return [
            watches[index]
            for index in sorted(candidates)
            if watches[index].evaluate(article, fields)
        ]

    @staticmethod
    def _report(watch: CompiledWatch, article: Article) -> WatchMatch:
        terms: list[str] = []
        spans: dict[int, set[Span]] = {TITLE: set(), BODY: set()}
        for uid, mask, text, near in watch.positives:
            where = article.fields.get(uid, 0) & mask
            for field in FIELDS:
                if not where & field:
                    continue
                hits = article.hits[field][uid]
                if near is not None:
                    witnesses = article.witnesses(near, field)
                    hits = [hit for hit in hits if hit in witnesses]
                if hits:
                    spans[field].update(hits)
                    if text not in terms:
                        terms.append(text)
        if spans[BODY]:
            text, highlights = article.excerpt(BODY, spans[BODY])
            fields: tuple[str, ...] = ("title", "body") if spans[TITLE] else ("body",)
        else:
            text, highlights = article.excerpt(TITLE, spans[TITLE]) if spans[TITLE] else ("", ())
            fields = ("title",) if spans[TITLE] else ()
        return WatchMatch(watch.name, tuple(terms), fields, text, highlights)


def _named_queries(watches: Iterable[Watch | tuple[str, Node | str]]) -> Iterable[tuple[str, Node]]:
    for item in watches:
        if isinstance(item, Watch):
            yield item.name, item.parsed
        else:
            name, query = item
            yield name, parse(query) if isinstance(query, str) else query
