"""Write a finished crawl to the database: the run's counts, each source's health and next due time.

Also parses ``Retry-After``. Reads nothing from settings; the spider hands everything over.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy.http import Response

from crawler.health import SourceHealth
from settings.sources import Source
from storage import Database, feeds, runs
from storage.articles import source_id
from storage.schedule import release_sources, set_next_due
from storage.sources import record_source_crawl

logger = logging.getLogger(__name__)


def retry_after(response: Response, now: datetime) -> datetime | None:
    """The time a ``Retry-After`` header (seconds or an HTTP date) asks us to wait until."""
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    text = raw.decode("latin-1").strip()
    if text.isdigit():
        return now + timedelta(seconds=int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else None


def finish_crawl(
    db: Database,
    *,
    run_id: int,
    sources: Mapping[str, Source],
    health: Mapping[str, SourceHealth],
    owner: str,
    stats: dict[str, Any],
    reason: str,
    now: datetime,
) -> None:
    """Record every crawled source's outcome, schedule its next poll, release its lease."""
    with db.sessions.begin() as session:
        for name, state in health.items():
            failures = record_source_crawl(
                session,
                name,
                now=now,
                outcome=state.outcome,
                error=state.last_error,
                failures=state.failures,
            )
            until, ttl = feeds.feeds_retry_after(session, source_id(session, name))
            set_next_due(
                session,
                name,
                interval=sources[name].interval,
                succeeded=state.outcome != "failed",
                failures=failures,
                now=now,
                retry_after=state.retry_after or until,
                ttl_minutes=ttl,
            )
            logger.info(
                "source %s: %s (%d feeds ok, %d not modified, %d failed)",
                name, state.outcome, state.feeds_ok, state.feeds_not_modified, state.feeds_failed,
            )  # fmt: skip
        release_sources(session, list(health), owner=owner)
        outcome = "finished" if reason == "finished" else reason
        runs.finish_run(session, run_id, outcome=outcome, stats=stats, now=now)
