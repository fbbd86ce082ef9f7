"""Query functions for feeds: conditional-GET validators and per-feed health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.db import insert_ignore
from storage.models import Feed


@dataclass(frozen=True)
class Validators:
    etag: str | None
    last_modified: str | None


def feed_validators(session: Session, urls: list[str]) -> dict[str, Validators]:
    rows = session.execute(
        select(Feed.url, Feed.etag, Feed.last_modified).where(Feed.url.in_(urls))
    ).tuples()
    return {url: Validators(etag, modified) for url, etag, modified in rows}


def ensure_feed(session: Session, source_id: int, url: str) -> None:
    insert_ignore(session, Feed.__table__, {"source_id": source_id, "url": url})  # type: ignore[arg-type]


def record_feed_success(
    session: Session,
    url: str,
    *,
    status: int,
    now: datetime,
    etag: str | None,
    last_modified: str | None,
    ttl_minutes: int | None,
    warning: str | None = None,
) -> None:
    """A 200 or 304: keep validators (a 304 keeps the old ones) and reset the failure count."""
    values: dict[str, object] = {
        "last_status": status,
        "last_fetched_at": now,
        "consecutive_failures": 0,
        "last_error": warning,
        "retry_after_until": None,
    }
    if status != 304:
        values.update(etag=etag, last_modified=last_modified, ttl_minutes=ttl_minutes)
    session.execute(update(Feed).where(Feed.url == url).values(**values))


def record_feed_failure(
    session: Session,
    url: str,
    *,
    error: str,
    now: datetime,
    status: int | None = None,
    retry_after_until: datetime | None = None,
) -> None:
    session.execute(
        update(Feed)
        .where(Feed.url == url)
        .values(
            last_status=status,
            last_fetched_at=now,
            consecutive_failures=Feed.consecutive_failures + 1,
            last_error=error[:2000],
            retry_after_until=retry_after_until,
        )
    )


def feeds_retry_after(session: Session, source_id: int) -> tuple[datetime | None, int | None]:
    """The latest Retry-After and the largest ttl among a source's feeds."""
    rows = session.execute(
        select(Feed.retry_after_until, Feed.ttl_minutes).where(Feed.source_id == source_id)
    ).tuples()
    retry: datetime | None = None
    ttl: int | None = None
    for until, minutes in rows:
        if until is not None and (retry is None or until > retry):
            retry = until
        if minutes is not None and (ttl is None or minutes > ttl):
            ttl = minutes
    return retry, ttl
