"""Store each article once, in its own transaction, and flag new ones against the watches.

Insert-or-ignore on the article's identity (canonical URL, content hash): a duplicate only adds
the URL it was reached by. A new article joins its story (near-duplicates across sources) and
is matched; its story, matches and alerts are written in the same transaction, so a crash never
leaves an article stored but unflagged.
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
from storage.articles import source_id, store_article, update_article
from storage.stories import article_story_id
from storage.types import utcnow
from storage.versions import record_version
from stories.cluster import assign_story
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
        if item.update_of is not None:
            return self._store_update(item, item.update_of)
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
            story = assign_story(
                session,
                article_id=result.article_id,
                title=item.title,
                body=item.body,
                first_seen_at=values["first_seen_at"],
                inserted=True,
            )
            matches = flag_article(
                session,
                self.watchlist,
                article_id=result.article_id,
                title=item.title,
                body=item.body,
                now=now,
                story_id=story.story_id,
            )
        self._count("articles/new")
        self._count(f"articles/new/{item.body_origin}")
        self._count("stories/new" if story.is_new_story else "stories/joined")
        if matches:
            self._count("articles/matched")
        logger.info(
            "source %s: stored %s (%s)%s",
            item.source,
            item.canonical_url,
            item.body_origin,
            f", matches {', '.join(m.watch for m in matches)}" if matches else "",
        )
        if not story.is_new_story:
            logger.info(
                "source %s: %s joins story %d (similarity %.2f)",
                item.source, item.canonical_url, story.story_id, story.similarity,
            )  # fmt: skip
        return item

    def _store_update(self, item: ArticleItem, article_id: int) -> ArticleItem:
        """A changed entry's page: keep the new version beside the old one, match the new text.

        A watch that matched the old text is not flagged again; one that matches only the new
        text is, and alerts (once per story, as always).
        """
        assert self.db is not None and self.watchlist is not None
        now = utcnow()
        with self.db.sessions.begin() as session:
            version = record_version(session, article_id, item.title, item.body, item.updated_at)
            if version is None:
                self._count("articles/unchanged")
                if item.updated_at is not None:
                    update_article(session, article_id, {"updated_at": item.updated_at})
                return item
            update_article(
                session,
                article_id,
                {
                    "title": item.title,
                    "body": item.body,
                    "updated_at": item.updated_at or now,
                    "description": item.description,
                    "authors": list(item.authors),
                    "tags": list(item.tags),
                },
            )
            matches = flag_article(
                session,
                self.watchlist,
                article_id=article_id,
                title=item.title,
                body=item.body,
                now=now,
                story_id=article_story_id(session, article_id),
            )
        self._count("articles/updated")
        logger.info(
            "source %s: %s changed, stored as version %d%s",
            item.source,
            item.canonical_url,
            version,
            f", newly matches {', '.join(m.watch for m in matches)}" if matches else "",
        )
        return item
