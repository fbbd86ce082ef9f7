"""Query functions for sources: crawl health (outcome, failures by reason, last error)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Source


def record_source_crawl(
    session: Session,
    name: str,
    *,
    now: datetime,
    outcome: str,
    error: str | None,
    failures: Mapping[str, int],
) -> int:
    """Update a source's health after a crawl; returns its consecutive failure count."""
    source = session.scalars(select(Source).where(Source.name == name)).one()
    source.last_crawl_at = now
    source.last_outcome = outcome
    if outcome == "failed":
        source.consecutive_failures += 1
    else:
        source.consecutive_failures = 0
    if error is not None or outcome == "ok":
        source.last_error = error
    totals = dict(source.failures_by_reason or {})
    for reason, count in failures.items():
        totals[reason] = int(totals.get(reason, 0)) + count
    source.failures_by_reason = totals
    return source.consecutive_failures


def all_sources(session: Session) -> dict[str, Source]:
    return {source.name: source for source in session.scalars(select(Source))}
