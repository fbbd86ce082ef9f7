"""Article versions: a changed title or body is stored beside the earlier text, never over it.

``article_versions`` holds every text of an article once it has changed (its original as
version 1); the crawl then brings the ``articles`` row up to the newest one. Functions take the
``Session`` first; the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, Text, column, select, table
from sqlalchemy.orm import Session

from storage.story_models import ArticleVersion
from storage.types import UTCDateTime

__all__ = ["content_hash", "latest_version", "record_version"]

_articles = table(
    "articles",
    column("id", Integer),
    column("title", Text),
    column("body", Text),
    column("updated_at", UTCDateTime()),
    column("published_at", UTCDateTime()),
    column("first_seen_at", UTCDateTime()),
)


def content_hash(title: str | None, body: str) -> str:
    """SHA-256 of title and body with whitespace runs collapsed: reflowed text is no new version."""
    normal = " ".join((title or "").split()) + "\n" + " ".join(body.split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def latest_version(session: Session, article_id: int) -> ArticleVersion | None:
    """The newest stored version of an article, or None when it never changed."""
    return session.scalars(
        select(ArticleVersion)
        .where(ArticleVersion.article_id == article_id)
        .order_by(ArticleVersion.version.desc())
        .limit(1)
    ).first()


def record_version(
    session: Session,
    article_id: int,
    title: str | None,
    body: str,
    updated_at: datetime | None,
) -> int | None:
    """Store ``title``/``body`` as the article's next version if its text changed.

    Returns the new version number, or None when the text equals the latest known one (the
    newest version, else the ``articles`` row); a new ``updated_at`` alone is no change. The
    first change also stores the article row's text as version 1, so both sit side by side.
    Call it before overwriting the article row, if the caller does that at all. The article row
    is locked (``FOR UPDATE`` on PostgreSQL) so two processes cannot number the same version.

    Raises ``LookupError`` for an unknown article.
    """
    article = session.execute(
        select(_articles).where(_articles.c.id == article_id).with_for_update()
    ).first()
    if article is None:
        raise LookupError(f"article {article_id} does not exist")
    new_hash = content_hash(title, body)
    latest = latest_version(session, article_id)
    if latest is None:
        if new_hash == content_hash(article.title, article.body):
            return None
        session.add(
            ArticleVersion(
                article_id=article_id,
                version=1,
                title=article.title,
                body=article.body,
                content_hash=content_hash(article.title, article.body),
                updated_at=article.updated_at or article.published_at,
                stored_at=article.first_seen_at,
            )
        )
        number = 2
    elif new_hash == latest.content_hash:
        return None
    else:
        number = latest.version + 1
    session.add(
        ArticleVersion(
            article_id=article_id,
            version=number,
            title=title,
            body=body,
            content_hash=new_hash,
            updated_at=updated_at,
        )
    )
    session.flush()
    return number


@dataclass(frozen=True)
class VersionChange:
    """What a new version of an article changed: its number, and the sentences it added."""

    version: int
    added: str


def change_behind(session: Session, article_id: int, matched_at: datetime) -> VersionChange | None:
    """The update that a match made at ``matched_at`` came from, if it came from one.

    A match is recorded in the transaction that stores the version it matched, so the version
    stored last at or before the match (and after the first) is the one that made it.
    """
    rows = session.scalars(
        select(ArticleVersion)
        .where(
            ArticleVersion.article_id == article_id,
            ArticleVersion.stored_at <= matched_at + timedelta(seconds=5),
        )
        .order_by(ArticleVersion.version.desc())
        .limit(2)
    ).all()
    if len(rows) < 2 or rows[0].stored_at < matched_at - timedelta(seconds=5):
        return None
    new, old = rows
    before = set(_sentences(old.body))
    added = [s for s in _sentences(new.body) if s not in before]
    return VersionChange(version=new.version, added=" ".join(added))


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
