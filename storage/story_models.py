"""Models for story clustering (stories, MinHash signatures, LSH band keys) and article versions.

Every article joins one story (``articles.story_id``, added by migration 0003). The LSH index
lives in ``story_bands``: one row per band of each article's signature, looked up by key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import utcnow


class Story(Base):
    """A group of near-duplicate articles, opened by the first one seen."""

    __tablename__ = "stories"
    __table_args__ = (
        Index("ix_stories_first_seen_at", "first_seen_at"),
        Index("ix_stories_last_seen_at", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Not a foreign key: articles.story_id points back here, and a cycle would make SQLite
    # rebuild tables on migration. The article is created in the same transaction.
    first_article_id: Mapped[int]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    size: Mapped[int] = mapped_column(default=1)


class ArticleSignature(Base):
    """An article's MinHash signature (NUM_PERM little-endian uint32) and its shingle count."""

    __tablename__ = "article_signatures"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    shingle_count: Mapped[int]


class StoryBand(Base):
    """One LSH band key of one article: articles sharing a key are candidate near-duplicates."""

    __tablename__ = "story_bands"
    __table_args__ = (
        Index("ix_story_bands_article_id", "article_id"),
        # The primary key is the lookup index; without a rowid SQLite stores just that b-tree.
        {"sqlite_with_rowid": False},
    )

    band_key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article_signatures.article_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )


class ArticleVersion(Base):
    """One stored version of an article's title and body, kept when the content changed."""

    __tablename__ = "article_versions"
    __table_args__ = (
        UniqueConstraint("article_id", "version", name="uq_article_versions_article_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    version: Mapped[int]
    title: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime | None]
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)
