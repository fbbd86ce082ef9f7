"""Query functions for watches and their matches. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.db import insert_ignore
from storage.models import Article, Match, Source, Watch


def sync_watches(
    session: Session, watches: Sequence[tuple[str, str]], now: datetime
) -> dict[str, int]:
    """Make the watches table hold ``(name, query)`` pairs; return name -> id.

    Watches removed from the file keep their rows (and their matches) for the record.
    """
    for name, query in watches:
        insert_ignore(session, Watch.__table__, {"name": name, "query": query, "updated_at": now})  # type: ignore[arg-type]
        session.execute(
            update(Watch)
            .where(Watch.name == name, Watch.query != query)
            .values(query=query, updated_at=now)
        )
    names = [name for name, _ in watches]
    rows = session.execute(select(Watch.name, Watch.id).where(Watch.name.in_(names))).tuples()
    return dict(rows.all())


def record_match(
    session: Session,
    *,
    watch_id: int,
    article_id: int,
    terms: Sequence[str],
    fields: Sequence[str],
    snippet: str,
    highlights: Sequence[tuple[int, int]],
    now: datetime,
) -> int | None:
    """Store one match; None when this watch already matched this article."""
    new_id = insert_ignore(
        session,
        Match.__table__,  # type: ignore[arg-type]
        {
            "watch_id": watch_id,
            "article_id": article_id,
            "terms": list(terms),
            "fields": list(fields),
            "snippet": snippet,
            "highlights": [list(pair) for pair in highlights],
            "matched_at": now,
        },
    )
    return int(new_id) if new_id is not None else None


def list_matches(
    session: Session,
    *,
    watch: str | None = None,
    since: datetime | None = None,
    limit: int = 20,
) -> list[tuple[Match, Watch, Article, str]]:
    """Matches newest first, with their watch, article and source name."""
    query = (
        select(Match, Watch, Article, Source.name)
        .join(Watch, Watch.id == Match.watch_id)
        .join(Article, Article.id == Match.article_id)
        .join(Source, Source.id == Article.source_id)
    )
    if watch is not None:
        query = query.where(Watch.name == watch)
    if since is not None:
        query = query.where(Match.matched_at >= since)
    query = query.order_by(Match.matched_at.desc(), Match.id.desc()).limit(limit)
    return [tuple(row) for row in session.execute(query).tuples()]  # type: ignore[misc]


def match_counts(session: Session, since: datetime) -> dict[str, int]:
    rows = session.execute(
        select(Watch.name, func.count(Match.id))
        .join(Match, Match.watch_id == Watch.id)
        .where(Match.matched_at >= since)
        .group_by(Watch.name)
    ).tuples()
    return dict(rows.all())


def articles_since(session: Session, since: datetime | None, batch: int = 500) -> Any:
    """Stream (id, title, body, first_seen_at) of articles stored since ``since``, oldest first."""
    query = select(Article.id, Article.title, Article.body, Article.first_seen_at)
    if since is not None:
        query = query.where(Article.first_seen_at >= since)
    query = query.order_by(Article.id).execution_options(yield_per=batch)
    return session.execute(query).tuples()
