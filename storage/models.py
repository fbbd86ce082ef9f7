"""SQLAlchemy 2.0 typed models: sources, feeds, crawl runs, articles, watches, matches, alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime, utcnow


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Source(Base):
    """A configured news source and its crawl health (the config itself lives in sources.toml)."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_crawl_at: Mapped[datetime | None]
    last_outcome: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    articles_stored: Mapped[int] = mapped_column(default=0)
    failures_by_reason: Mapped[dict[str, Any]] = mapped_column(default=dict)
    next_due_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None]


class Feed(Base):
    """One feed URL of a source, with its HTTP validators for conditional GET."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_fetched_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    ttl_minutes: Mapped[int | None]
    retry_after_until: Mapped[datetime | None]


class CrawlRun(Base):
    """One `scrapy crawl feeds` process: when, which sources, what it counted."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    sources: Mapped[list[str]] = mapped_column(default=list)
    outcome: Mapped[str] = mapped_column(String(40), default="running")
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Article(Base):
    """A stored article: identity (canonical URL, content hash), metadata and body."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_first_seen_at", "first_seen_at"),
        Index("ix_articles_source_guid", "source_id", "guid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000))
    canonical_url: Mapped[str] = mapped_column(String(2000), unique=True)
    guid: Mapped[str | None] = mapped_column(String(2000))
    content_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(default=list)
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(default=list)
    image_url: Mapped[str | None] = mapped_column(String(2000))
    body: Mapped[str] = mapped_column(Text, default="")
    body_origin: Mapped[str] = mapped_column(String(10))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    story_id: Mapped[int | None] = mapped_column(index=True)  # see storage/story_models.py


class ArticleUrl(Base):
    """Every canonical URL an article was reached by, so a known link costs no request."""

    __tablename__ = "article_urls"

    url: Mapped[str] = mapped_column(String(2000), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))


class Watch(Base):
    """A watch as last read from the watches file (the file is the source of truth)."""

    __tablename__ = "watches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    query: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Match(Base):
    """An article that matched a watch: which terms, where, and a snippet with highlights."""

    __tablename__ = "matches"
    __table_args__ = (
        UniqueConstraint("watch_id", "article_id", name="uq_matches_watch_article"),
        Index("ix_matches_matched_at", "matched_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    terms: Mapped[list[str]] = mapped_column(default=list)
    fields: Mapped[list[str]] = mapped_column(default=list)
    snippet: Mapped[str] = mapped_column(Text, default="")
    highlights: Mapped[list[Any]] = mapped_column(JSON, default=list)
    matched_at: Mapped[datetime] = mapped_column(default=utcnow)


class Alert(Base):
    """The outbox: one alert per watch, channel/recipient and article, sent at most once."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("watch_id", "recipient", "article_id", name="uq_alerts_once"),
        # One alert per story: later copies of a story are "also reported by" lines instead.
        Index("uq_alerts_story_once", "watch_id", "recipient", "story_id", unique=True),
        Index("ix_alerts_status_due", "status", "due_at"),
        # A digest's alerts share one Message-ID; a resend after a crash finds them by it.
        Index("ix_alerts_message_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"))
    story_id: Mapped[int | None]
    recipient: Mapped[str] = mapped_column(String(2000))
    channel: Mapped[str] = mapped_column(String(20), default="email")
    delivery: Mapped[str] = mapped_column(String(20), default="immediate")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(300))
    sending_since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


# The story tables live in their own module; importing it registers them on Base.metadata.
import storage.story_models  # noqa: E402, F401
