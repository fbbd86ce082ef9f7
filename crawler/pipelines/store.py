"""Store each article once, in its own transaction, and flag new ones against the watches.

Insert-or-ignore on the article's identity (canonical URL, content hash): a duplicate only adds
the URL it was reached by. Only new articles are matched; their matches and alerts are written
in the same transaction, so a crash never leaves an article stored but unflagged.
Reads ``NEWSWATCH_WATCHES`` (the watches file).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler

from crawler.database import database_for
from crawler.items import ArticleItem
from storage import Database
from storage.articles import source_id, store_article
from storage.types import utcnow
from watches.flagging import Watchlist, flag_article
from watches.spec import load_watches

logger = logging.getLogger(__name__)


def article_values(item: ArticleItem, source: int) -> dict[str, Any]:
    return {
        "source_id": source,
        "url": item.url,
        "canonical_url": item.canonical_url,
        "guid": item.guid,
        "content_hash": item.content_hash,
        "title": item.title,
        "authors": list(item.authors),
        "published_at": item.published_at,
        "updated_at": item.updated_at,
        "language": item.language,
        "description": item.description,
        "section": item.section,
        "tags": list(item.tags),
        "image_url": item.image_url,
        "body": item.body,
        "body_origin": item.body_origin,
        "first_seen_at": utcnow(),
    }


class StorePipeline:
    """Writes articles, matches and alerts; counts new and duplicate articles in the stats."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.watch_file = Path(crawler.settings["NEWSWATCH_WATCHES"])
        self.db: Database | None = None
        self.watchlist: Watchlist | None = None
        self.source_ids: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.db = database_for(self.crawler)
        watches = load_watches(self.watch_file)
        with self.db.sessions.begin() as session:
            self.watchlist = Watchlist.build(session, watches, utcnow())

    def _count(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"newswatch/{key}")

    def process_item(self, item: ArticleItem) -> ArticleItem:
        assert self.db is not None and self.watchlist is not None
        now = utcnow()
        with self.db.sessions.begin() as session:
            if item.source not in self.source_ids:
                self.source_ids[item.source] = source_id(session, item.source)
            values = article_values(item, self.source_ids[item.source])
            result = store_article(session, values, item.aliases)
            if not result.is_new:
                self._count(f"articles/duplicate/{result.duplicate}")
                logger.info(
                    "source %s: %s is a duplicate (by %s) of article %d",
                    item.source, item.canonical_url, result.duplicate, result.article_id,
                )  # fmt: skip
                return item
            matches = flag_article(
                session,
                self.watchlist,
                article_id=result.article_id,
                title=item.title,
                body=item.body,
                now=now,
            )
        self._count("articles/new")
        self._count(f"articles/new/{item.body_origin}")
        if matches:
            self._count("articles/matched")
        logger.info(
            "source %s: stored %s (%s)%s",
            item.source,
            item.canonical_url,
            item.body_origin,
            f", matches {', '.join(m.watch for m in matches)}" if matches else "",
        )
        return item
