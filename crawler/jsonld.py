"""JSON-LD on a news page: the article node (and page node) among all blocks and @graphs.

Pure functions over parsed JSON; reads no settings.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

# schema.org types whose node describes the article itself
ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "askpublicnewsarticle",
        "satiricalarticle",
        "advertisercontentarticle",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "techarticle",
        "report",
        "scholarlyarticle",
    }
)
# page-level types: a fallback source when no article node exists
PAGE_TYPES = frozenset({"webpage", "itempage", "collectionpage"})

# real article markup nests a few levels; deeper structures are not worth walking
_MAX_NESTING = 16
_JSONLD_WRAPPER = re.compile(
    r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$"
)


def _type_names(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    names = set()
    for value in values:
        if isinstance(value, str):
            names.add(re.split(r"[/:#]", value)[-1].lower())
    return names


def _load_jsonld(text: str) -> Any:
    text = _JSONLD_WRAPPER.sub("", text).strip()
    if not text:
        return None
    try:
        return json.loads(text, strict=False)
    except RecursionError:
        logger.debug("JSON-LD block nested too deeply (%d chars)", len(text))
        return None
    except ValueError:
        # a frequent CMS bug: several objects written one after the other
        try:
            return json.loads("[" + re.sub(r"}\s*{", "},{", text) + "]", strict=False)
        except (ValueError, RecursionError):
            logger.debug("unparsable JSON-LD block of %d chars", len(text))
            return None


def _walk(value: Any, depth: int, nesting: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (depth, node) for every dict; @graph members and list items keep their depth."""
    if nesting > _MAX_NESTING:
        return
    if isinstance(value, list):
        for item in value:
            yield from _walk(item, depth, nesting + 1)
    elif isinstance(value, dict):
        yield depth, value
        for key, child in value.items():
            if key == "@graph":
                yield from _walk(child, depth, nesting + 1)
            elif isinstance(child, (dict, list)):
                yield from _walk(child, depth + 1, nesting + 1)


class JsonLd:
    """The article node (and page node) of a page's JSON-LD, with @id references resolved."""

    def __init__(self, blocks: Iterable[Any]) -> None:
        self.by_id: dict[str, dict[str, Any]] = {}
        articles: list[tuple[int, dict[str, Any]]] = []
        pages: list[tuple[int, dict[str, Any]]] = []
        for block in blocks:
            for depth, node in _walk(block, 0):
                node_id = node.get("@id")
                if isinstance(node_id, str) and len(node) > 1:
                    self.by_id.setdefault(node_id, node)
                names = _type_names(node)
                if names & ARTICLE_TYPES:
                    articles.append((depth, node))
                elif names & PAGE_TYPES:
                    pages.append((depth, node))
        # the shallowest node wins: deeper ones are usually related stories or parts
        self.article = min(articles, key=lambda pair: pair[0])[1] if articles else None
        self.page = min(pages, key=lambda pair: pair[0])[1] if pages else None

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and set(value) <= {"@id", "@type"}:
            node_id = value.get("@id")
            if isinstance(node_id, str):
                return self.by_id.get(node_id, value)
        return value

    def get(self, key: str) -> Any:
        for node in (self.article, self.page):
            if node is not None and node.get(key) not in (None, "", []):
                return node[key]
        return None

    def article_get(self, key: str) -> Any:
        return self.article.get(key) if self.article is not None else None


def json_blocks(tree: HtmlElement) -> list[Any]:
    """The parsed JSON-LD blocks of a page; unparsable ones are left out."""
    blocks = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json" and script.text:
            blocks.append(_load_jsonld(script.text))
    return [b for b in blocks if b is not None]
