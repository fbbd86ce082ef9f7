"""When each source is next crawled, and who is crawling it: due times, backoff, leases, runs.

Reads no settings: intervals come from ``settings.sources`` and the caller passes ``now``.

Rules (see ``docs/scheduler.md``):

- after a success a source is next due one ``interval`` later;
- after its n-th failure in a row, ``interval * 2**(n-1)``, capped at ``max(interval, 6h)``;
- a feed's ``ttl`` is a lower bound on that delay, honoured up to 6 h;
- a server's ``Retry-After`` postpones the source to that time, honoured up to 24 h ahead.

A crawl leases its sources (``lease_owner``, ``lease_expires_at``) before it fetches anything; a
lease is free when it has no owner or has expired, so a crawl that dies leaves leases that simply
run out. PostgreSQL takes the leases with ``SELECT ... FOR UPDATE SKIP LOCKED``; SQLite's
``BEGIN IMMEDIATE`` write lock (see ``storage.db``) serialises claims instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from settings.sources import Source as SourceConfig
from storage.db import insert_ignore
from storage.models import Base, CrawlRun, Feed, Source

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)
MAX_TTL = timedelta(hours=6)
MAX_RETRY_AFTER = timedelta(hours=24)

RUNNING = "running"
TIMEOUT = "timeout"
FAILED = "failed"
INTERRUPTED = "interrupted"
ABANDONED = "abandoned"

_MAX_EXPONENT = 64  # keeps the float finite; far past any cap


@dataclass(frozen=True)
class FeedHints:
    """What a source's feeds asked for: the latest ``Retry-After`` and the shortest ``ttl``."""

    retry_after: datetime | None = None
    ttl_minutes: int | None = None


def lease_owner_for_run(run_id: int) -> str:
    """The lease owner a crawl attached to ``crawl_runs.id == run_id`` claims its sources as."""
    return f"run:{run_id}"


def backoff_delay(interval: timedelta, failures: int) -> timedelta:
    """The delay after ``failures`` failures in a row: doubling from ``interval``, capped."""
    if failures <= 0:
        return interval
    cap = max(interval, MAX_BACKOFF)
    seconds = interval.total_seconds() * 2.0 ** min(failures - 1, _MAX_EXPONENT)
    return timedelta(seconds=min(seconds, cap.total_seconds()))


def next_due(
    now: datetime,
    *,
    interval: timedelta,
    succeeded: bool,
    failures: int,
    retry_after: datetime | None = None,
    ttl_minutes: int | None = None,
) -> datetime:
    """When a source crawled (and finished) at ``now`` is due again. Pure: no clock, no database.

    ``failures`` is the count of consecutive failures including this crawl's, ignored on success.
    """
    delay = interval if succeeded else backoff_delay(interval, failures)
    if ttl_minutes is not None and ttl_minutes > 0:
        delay = max(delay, min(timedelta(minutes=ttl_minutes), MAX_TTL))
    due = now + delay
    if retry_after is not None:
        due = max(due, min(retry_after, now + MAX_RETRY_AFTER))
    return due


def ensure_sources(session: Session, names: Iterable[str], *, now: datetime) -> None:
    """Create the ``sources`` rows that configured ``names`` do not have yet."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return
    existing = set(session.scalars(select(Source.name).where(Source.name.in_(wanted))))
    table = Base.metadata.tables[Source.__tablename__]
    for name in wanted:
        if name not in existing:
            insert_ignore(session, table, {"name": name, "created_at": now})


def _lease_free(now: datetime, owner: str | None = None) -> Any:
    conditions = [
        Source.lease_owner.is_(None),
        Source.lease_expires_at.is_(None),
        Source.lease_expires_at <= now,
    ]
    if owner is not None:
        conditions.append(Source.lease_owner == owner)
    return or_(*conditions)


def claim_sources(
    session: Session, names: Sequence[str], *, owner: str, lease: timedelta, now: datetime
) -> list[str]:
    """Lease the free ones of ``names`` to ``owner`` until ``now + lease``; return them in order.

    A source leased by another live owner is skipped (and logged), never waited for; ``owner``
    renews its own leases. Missing ``sources`` rows are created first.
    """
    if lease <= timedelta(0):
        raise ValueError(f"lease must be positive, got {lease}")
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return []
    ensure_sources(session, wanted, now=now)
    rows = session.execute(
        select(Source.id, Source.name)
        .where(Source.name.in_(wanted), _lease_free(now, owner))
        .order_by(Source.id)
        .with_for_update(skip_locked=True)
    ).all()
    if rows:
        session.execute(
            update(Source)
            .where(Source.id.in_([row.id for row in rows]))
            .values(lease_owner=owner, lease_expires_at=now + lease)
            .execution_options(synchronize_session=False)
        )
    claimed = {row.name for row in rows}
    skipped = [name for name in wanted if name not in claimed]
    if skipped:
        logger.info("sources %s are leased by another crawl; %s skips them", skipped, owner)
    return [name for name in wanted if name in claimed]


def release_sources(session: Session, names: Sequence[str], *, owner: str) -> list[str]:
    """Give up ``owner``'s leases on ``names``; leases held by others are left alone."""
    if not names:
        return []
    released = session.scalars(
        update(Source)
        .where(Source.name.in_(list(names)), Source.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
        .returning(Source.name)
        .execution_options(synchronize_session=False)
    ).all()
    return list(released)


def due_sources(session: Session, configured: Sequence[SourceConfig], now: datetime) -> list[str]:
    """Names of the enabled sources that are due at ``now`` and not leased, in config order.

    A configured source without a row, or never crawled, is due.
    """
    enabled = [source.name for source in configured if source.enabled]
    if not enabled:
        return []
    # Every row, not an IN list: one row per source is small, and no bind-parameter limit.
    rows = {
        row.name: row
        for row in session.execute(
            select(Source.name, Source.next_due_at, Source.lease_owner, Source.lease_expires_at)
        )
    }
    due: list[str] = []
    for name in enabled:
        row = rows.get(name)
        if row is None:
            due.append(name)
            continue
        if row.next_due_at is not None and row.next_due_at > now:
            continue
        leased = (
            row.lease_owner is not None
            and row.lease_expires_at is not None
            and row.lease_expires_at > now
        )
        if not leased:
            due.append(name)
    return due


def feed_hints(session: Session, name: str) -> FeedHints:
    """The latest ``Retry-After`` and the shortest ``ttl`` among the feeds of source ``name``.

    The shortest ttl, so the most eager feed sets the pace; the latest Retry-After, because the
    server asked the whole source to wait.
    """
    retry_after, ttl_minutes = session.execute(
        select(func.max(Feed.retry_after_until), func.min(Feed.ttl_minutes))
        .join(Source, Feed.source_id == Source.id)
        .where(Source.name == name)
    ).one()
    return FeedHints(retry_after=retry_after, ttl_minutes=ttl_minutes)


def set_next_due(
    session: Session,
    name: str,
    *,
    interval: timedelta,
    succeeded: bool,
    failures: int,
    now: datetime,
    retry_after: datetime | None = None,
    ttl_minutes: int | None = None,
) -> datetime:
    """Store and return when source ``name`` is next due (rules: :func:`next_due`)."""
    due = next_due(
        now,
        interval=interval,
        succeeded=succeeded,
        failures=failures,
        retry_after=retry_after,
        ttl_minutes=ttl_minutes,
    )
    ensure_sources(session, [name], now=now)
    session.execute(
        update(Source)
        .where(Source.name == name)
        .values(next_due_at=due)
        .execution_options(synchronize_session=False)
    )
    logger.debug("source %s next due at %s (failures in a row: %d)", name, due, failures)
    return due


# --- Crawl runs ------------------------------------------------------------------------------


def get_crawl_run(session: Session, run_id: int) -> CrawlRun:
    run = session.get(CrawlRun, run_id, populate_existing=True)
    if run is None:
        raise LookupError(f"crawl run {run_id} does not exist")
    return run


def record_crawl_timeout(
    session: Session,
    run_id: int,
    sources: Sequence[SourceConfig],
    *,
    now: datetime,
    limit: timedelta,
    killed: bool,
) -> list[str]:
    """The crawl of run ``run_id`` was stopped at its time limit: mark the run ``timeout``.

    Sources the crawl had not finished count a failure and are backed off. Returns their names.
    """
    return _settle_run(
        session,
        run_id,
        sources,
        now=now,
        outcome=TIMEOUT,
        overwrite=True,
        error=f"crawl stopped at its time limit of {limit}",
        scheduler_stats={"time_limit_s": limit.total_seconds(), "killed": killed},
    )


def record_crawl_failure(
    session: Session,
    run_id: int,
    sources: Sequence[SourceConfig],
    *,
    now: datetime,
    error: str,
    exit_code: int | None,
) -> list[str]:
    """The crawl crashed or exited without finishing: mark the run ``failed`` unless it says
    otherwise, and back off the sources it had not finished. Returns their names."""
    return _settle_run(
        session,
        run_id,
        sources,
        now=now,
        outcome=FAILED,
        overwrite=False,
        error=error,
        scheduler_stats={"exit_code": exit_code, "error": error},
    )


def record_crawl_interrupted(
    session: Session, run_id: int, sources: Sequence[SourceConfig], *, now: datetime
) -> list[str]:
    """The scheduler stopped the crawl because it is shutting down: not the sources' fault.

    Releases their leases and leaves their due times alone, so a restart crawls them at once.
    """
    return _settle_run(
        session,
        run_id,
        sources,
        now=now,
        outcome=INTERRUPTED,
        overwrite=False,
        error=None,
        scheduler_stats={"interrupted": True},
    )


def _settle_run(
    session: Session,
    run_id: int,
    sources: Sequence[SourceConfig],
    *,
    now: datetime,
    outcome: str,
    overwrite: bool,
    error: str | None,
    scheduler_stats: dict[str, Any],
) -> list[str]:
    run = get_crawl_run(session, run_id)
    if overwrite or run.outcome == RUNNING:
        run.outcome = outcome
    if run.finished_at is None:
        run.finished_at = now
    run.stats = {**run.stats, "scheduler": scheduler_stats}  # a new dict, so the JSON is saved
    owner = lease_owner_for_run(run_id)
    by_name = {source.name: source for source in sources}
    ensure_sources(session, by_name, now=now)  # a crawl that died before claiming made no rows
    rows = session.scalars(
        select(Source).where(Source.name.in_(list(by_name))).order_by(Source.id).with_for_update()
    ).all()
    unfinished: list[str] = []
    for row in rows:
        ours = row.lease_owner == owner
        free = (
            row.lease_owner is None or row.lease_expires_at is None or row.lease_expires_at <= now
        )
        untouched = row.last_crawl_at is None or row.last_crawl_at < run.started_at
        if not (ours or (free and untouched)):
            continue  # finished by this crawl, or held by another live crawl
        unfinished.append(row.name)
        if ours:
            row.lease_owner = None
            row.lease_expires_at = None
        if error is None:
            continue
        row.consecutive_failures += 1
        row.last_outcome = outcome
        row.last_error = error
        row.last_crawl_at = now
        row.failures_by_reason = {
            **row.failures_by_reason,
            f"crawl_{outcome}": int(row.failures_by_reason.get(f"crawl_{outcome}", 0)) + 1,
        }
        hints = feed_hints(session, row.name)
        row.next_due_at = next_due(
            now,
            interval=by_name[row.name].interval,
            succeeded=False,
            failures=row.consecutive_failures,
            retry_after=hints.retry_after,
            ttl_minutes=hints.ttl_minutes,
        )
    return unfinished


def abandon_stale_runs(session: Session, *, now: datetime, older_than: timedelta) -> list[int]:
    """Mark ``running`` runs started before ``now - older_than`` as ``abandoned``.

    Their crawl died with the scheduler (or the machine); their leases have run out by then.
    """
    runs = session.scalars(
        select(CrawlRun).where(CrawlRun.outcome == RUNNING, CrawlRun.started_at < now - older_than)
    ).all()
    for run in runs:
        run.outcome = ABANDONED
        run.finished_at = now
        run.stats = {**run.stats, "scheduler": {"abandoned": "no process finished this run"}}
    return [run.id for run in runs]


def prune_crawl_runs(session: Session, *, before: datetime) -> int:
    """Delete finished crawl runs that started before ``before``; return how many."""
    deleted = session.scalars(
        delete(CrawlRun)
        .where(CrawlRun.started_at < before, CrawlRun.outcome != RUNNING)
        .returning(CrawlRun.id)
        .execution_options(synchronize_session=False)
    ).all()
    return len(deleted)
