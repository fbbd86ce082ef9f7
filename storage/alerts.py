"""The alert outbox's queries: queue alerts with their match, claim due ones, record outcomes.

Every function takes the ``Session`` first; the caller owns the transaction. Delivery policy
(backoff, attempts, Message-IDs) lives in ``alerts.outbox``; this module only stores it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from storage.db import insert_ignore
from storage.models import Alert, Article, Match, Source, Watch

STATUSES = ("pending", "sent", "failed")
CHANNELS = ("email", "apprise")
DELIVERY_MODES = ("immediate", "digest")
ALERTS_TABLE = Alert.metadata.tables["alerts"]


@dataclass(frozen=True)
class ClaimedAlert:
    """An alert this process has claimed for sending (``sending_since`` set and committed)."""

    id: int
    watch_id: int
    watch_name: str
    article_id: int
    match_id: int
    recipient: str
    channel: str
    delivery: str
    attempts: int
    message_id: str | None


@dataclass(frozen=True)
class AlertContent:
    """What a message says about one alert's article and match."""

    alert_id: int
    match_id: int
    article_id: int
    watch_name: str
    headline: str | None
    url: str
    source: str
    published_at: datetime | None
    matched_at: datetime
    terms: tuple[str, ...]
    snippet: str
    highlights: tuple[Any, ...]


@dataclass(frozen=True)
class AlertRow:
    """One line of ``scrapy alerts``."""

    id: int
    watch: str
    recipient: str
    channel: str
    delivery: str
    status: str
    headline: str | None
    url: str
    due_at: datetime
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    message_id: str | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class MatchRow:
    """One match of a watch with its article, for the watch's Atom feed."""

    match_id: int
    watch_name: str
    matched_at: datetime
    terms: tuple[str, ...]
    snippet: str
    highlights: tuple[Any, ...]
    headline: str | None
    url: str
    canonical_url: str
    source: str
    published_at: datetime | None
    authors: tuple[str, ...]


def queue_alerts(
    session: Session,
    *,
    match_id: int,
    watch_id: int,
    article_id: int,
    recipients: Iterable[str],
    channels: Iterable[str] = (),
    delivery_mode: str = "immediate",
    due_at: datetime,
    now: datetime | None = None,
    story_id: int | None = None,
) -> int:
    """Queue one alert per e-mail recipient and per Apprise URL; return how many were new.

    Call it in the transaction that inserts the match, so a match never exists without its
    alerts. An alert that already exists (same watch, recipient and article, or same watch,
    recipient and story) is left alone: a story alerts once, however many sites carry it.
    """
    if delivery_mode not in DELIVERY_MODES:
        raise ValueError(f"delivery_mode {delivery_mode!r} is not one of {DELIVERY_MODES}")
    targets = [("email", r.strip()) for r in recipients] + [
        ("apprise", u.strip()) for u in channels
    ]
    created = 0
    for channel, recipient in dict.fromkeys(targets):
        if not recipient:
            continue
        values: dict[str, Any] = {
            "watch_id": watch_id,
            "article_id": article_id,
            "match_id": match_id,
            "story_id": story_id,
            "recipient": recipient,
            "channel": channel,
            "delivery": delivery_mode,
            "status": "pending",
            "due_at": due_at,
            "attempts": 0,
        }
        if now is not None:
            values["created_at"] = now
        if insert_ignore(session, ALERTS_TABLE, values) is not None:
            created += 1
    return created


def _due(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    """Pending, due, not backing off, and not being sent by a live process."""
    return and_(
        Alert.status == "pending",
        Alert.due_at <= now,
        or_(Alert.next_attempt_at.is_(None), Alert.next_attempt_at <= now),
        or_(Alert.sending_since.is_(None), Alert.sending_since <= now - lease),
    )


def claim_due(
    session: Session, now: datetime, *, lease: timedelta, limit: int
) -> list[ClaimedAlert]:
    """Claim up to ``limit`` due alerts: set ``sending_since`` and count the attempt.

    A claim older than ``lease`` belongs to a process that died, and is taken over. Alerts
    sharing a Message-ID with a claimed one (a digest claimed before) are claimed with it, so a
    resend carries the same alerts. Commit before sending, so another process skips them.
    """
    due = _due(now, lease)
    ids = set(
        session.scalars(
            select(Alert.id)
            .where(due)
            .order_by(Alert.due_at, Alert.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    message_ids = set(
        session.scalars(
            select(Alert.message_id).where(Alert.id.in_(ids), Alert.message_id.is_not(None))
        )
    )
    if message_ids:
        ids |= set(
            session.scalars(
                select(Alert.id)
                .where(due, Alert.message_id.in_(message_ids))
                .with_for_update(skip_locked=True)
            )
        )
    session.execute(
        update(Alert)
        .where(Alert.id.in_(ids))
        .values(sending_since=now, attempts=Alert.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(Alert, Watch.name)
        .join(Watch, Watch.id == Alert.watch_id)
        .where(Alert.id.in_(ids))
        .order_by(Alert.id)
    )
    return [_claimed(alert, name) for alert, name in rows]


def _claimed(alert: Alert, watch_name: str) -> ClaimedAlert:
    return ClaimedAlert(
        id=alert.id,
        watch_id=alert.watch_id,
        watch_name=watch_name,
        article_id=alert.article_id,
        match_id=alert.match_id,
        recipient=alert.recipient,
        channel=alert.channel,
        delivery=alert.delivery,
        attempts=alert.attempts,
        message_id=alert.message_id,
    )


def due_alerts(
    session: Session, now: datetime, *, lease: timedelta, limit: int
) -> list[ClaimedAlert]:
    """What ``claim_due`` would claim now, without claiming it (for ``--dry-run``)."""
    rows = session.execute(
        select(Alert, Watch.name)
        .join(Watch, Watch.id == Alert.watch_id)
        .where(_due(now, lease))
        .order_by(Alert.due_at, Alert.id)
        .limit(limit)
    )
    return [_claimed(alert, name) for alert, name in rows]


def set_message_ids(session: Session, message_ids: Mapping[int, str]) -> None:
    """Record each alert's Message-ID; an alert keeps the first one it was given."""
    for alert_id, message_id in message_ids.items():
        session.execute(
            update(Alert)
            .where(Alert.id == alert_id, Alert.message_id.is_(None))
            .values(message_id=message_id)
            .execution_options(synchronize_session=False)
        )


def mark_sent(session: Session, alert_ids: Sequence[int], now: datetime) -> int:
    """Pending -> sent. Returns how many rows changed."""
    return _finish(session, alert_ids, status="sent", sent_at=now, last_error=None)


def mark_failed(session: Session, alert_ids: Sequence[int], error: str) -> int:
    """Pending -> failed, keeping the server's answer."""
    return _finish(session, alert_ids, status="failed", last_error=error)


def mark_retry(
    session: Session, alert_ids: Sequence[int], next_attempt_at: datetime, error: str
) -> int:
    """Leave pending, release the claim, and wait until ``next_attempt_at``."""
    return _finish(
        session, alert_ids, status="pending", next_attempt_at=next_attempt_at, last_error=error
    )


def release(session: Session, alert_ids: Sequence[int]) -> int:
    """Give back claimed alerts that were not tried, as if never claimed."""
    if not alert_ids:
        return 0
    result = session.execute(
        update(Alert)
        .where(Alert.id.in_(alert_ids), Alert.status == "pending")
        .values(sending_since=None, attempts=Alert.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _finish(session: Session, alert_ids: Sequence[int], **values: Any) -> int:
    if not alert_ids:
        return 0
    result = session.execute(
        update(Alert)
        .where(Alert.id.in_(alert_ids), Alert.status == "pending")
        .values(sending_since=None, **values)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def load_alert_content(session: Session, alert_ids: Iterable[int]) -> dict[int, AlertContent]:
    """Article, source and match of each alert, keyed by alert id."""
    ids = list(alert_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Alert.id, Match, Article, Source.name, Watch.name)
        .join(Match, Match.id == Alert.match_id)
        .join(Article, Article.id == Alert.article_id)
        .join(Source, Source.id == Article.source_id)
        .join(Watch, Watch.id == Alert.watch_id)
        .where(Alert.id.in_(ids))
    )
    return {
        alert_id: AlertContent(
            alert_id=alert_id,
            match_id=match.id,
            article_id=article.id,
            watch_name=watch_name,
            headline=article.title,
            url=article.url or article.canonical_url,
            source=source_name,
            published_at=article.published_at,
            matched_at=match.matched_at,
            terms=tuple(match.terms or ()),
            snippet=match.snippet or "",
            highlights=tuple(match.highlights or ()),
        )
        for alert_id, match, article, source_name, watch_name in rows
    }


def list_alerts(
    session: Session,
    status: str | None = None,
    limit: int = 50,
    *,
    watch: str | None = None,
) -> list[AlertRow]:
    """Alerts newest first, optionally of one status and one watch."""
    query = (
        select(Alert, Watch.name, Article.title, Article.url)
        .join(Watch, Watch.id == Alert.watch_id)
        .join(Article, Article.id == Alert.article_id)
        .order_by(Alert.created_at.desc(), Alert.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(Alert.status == status)
    if watch is not None:
        query = query.where(Watch.name == watch)
    return [
        AlertRow(
            id=alert.id,
            watch=name,
            recipient=alert.recipient,
            channel=alert.channel,
            delivery=alert.delivery,
            status=alert.status,
            headline=title,
            url=url,
            due_at=alert.due_at,
            attempts=alert.attempts,
            next_attempt_at=alert.next_attempt_at,
            last_error=alert.last_error,
            message_id=alert.message_id,
            created_at=alert.created_at,
            sent_at=alert.sent_at,
        )
        for alert, name, title, url in session.execute(query)
    ]


def count_by_status(session: Session) -> dict[str, int]:
    """``{"pending": n, "sent": n, "failed": n}`` over the whole outbox."""
    counts = dict.fromkeys(STATUSES, 0)
    for status, count in session.execute(select(Alert.status, func.count()).group_by(Alert.status)):
        counts[status] = count
    return counts


def list_watches(session: Session) -> list[tuple[int, str]]:
    """``(id, name)`` of every stored watch, by name."""
    return [
        (wid, name)
        for wid, name in session.execute(select(Watch.id, Watch.name).order_by(Watch.name))
    ]


def matches_for_watch(session: Session, watch_name: str, limit: int = 50) -> list[MatchRow]:
    """A watch's latest matches with their articles, newest first."""
    rows = session.execute(
        select(Match, Article, Source.name)
        .join(Watch, Watch.id == Match.watch_id)
        .join(Article, Article.id == Match.article_id)
        .join(Source, Source.id == Article.source_id)
        .where(Watch.name == watch_name)
        .order_by(Match.matched_at.desc(), Match.id.desc())
        .limit(limit)
    )
    return [
        MatchRow(
            match_id=match.id,
            watch_name=watch_name,
            matched_at=match.matched_at,
            terms=tuple(match.terms or ()),
            snippet=match.snippet or "",
            highlights=tuple(match.highlights or ()),
            headline=article.title,
            url=article.url or article.canonical_url,
            canonical_url=article.canonical_url,
            source=source_name,
            published_at=article.published_at,
            authors=tuple(article.authors or ()),
        )
        for match, article, source_name in rows
    ]


def watch_updated_at(session: Session, watch_name: str) -> datetime | None:
    """When the watch was last read from the watches file (None if unknown)."""
    return session.scalar(select(Watch.updated_at).where(Watch.name == watch_name))
