"""Query functions for crawl runs: one row per crawl process, with its counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage.models import CrawlRun


def start_run(session: Session, sources: Sequence[str], now: datetime) -> int:
    """Insert a ``running`` crawl run for ``sources`` and return its id."""
    run = CrawlRun(started_at=now, sources=list(sources), outcome="running", stats={})
    session.add(run)
    session.flush()
    return run.id


def attach_run(session: Session, run_id: int, sources: list[str]) -> bool:
    """Adopt a run row the scheduler created; False when it does not exist."""
    result = session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(sources=sources))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def finish_run(
    session: Session, run_id: int, *, outcome: str, stats: dict[str, Any], now: datetime
) -> None:
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id)
        .values(outcome=outcome, stats=stats, finished_at=now)
    )
