"""The daily ``housekeeping`` job: close runs nobody finished, prune old rows and logs, and let
the database tidy itself (SQLite ``PRAGMA optimize`` and a WAL checkpoint, PostgreSQL ``ANALYZE``).

Keeps finished crawl runs and crawl logs for ``Retention.crawl_runs``, sent alerts for
``Retention.sent_alerts``; nothing else is pruned.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from jobs.context import JobContext
from storage.models import Alert
from storage.schedule import abandon_stale_runs, prune_crawl_runs

logger = logging.getLogger(__name__)

SENT = "sent"


@dataclass(frozen=True)
class HousekeepingReport:
    runs_abandoned: int
    runs_deleted: int
    alerts_deleted: int
    logs_deleted: int


def housekeeping(ctx: JobContext) -> HousekeepingReport:
    now = ctx.clock.now()
    with ctx.db.sessions.begin() as session:
        abandoned = abandon_stale_runs(session, now=now, older_than=ctx.limits.lease)
        runs = prune_crawl_runs(session, before=now - ctx.retention.crawl_runs)
        alerts = prune_sent_alerts(session, before=now - ctx.retention.sent_alerts)
    logs = prune_crawl_logs(ctx.log_dir, before=now - ctx.retention.crawl_runs)
    optimize_database(ctx.db.engine)
    report = HousekeepingReport(len(abandoned), runs, alerts, logs)
    logger.info(
        "housekeeping: %d crawl runs abandoned %s, %d old runs, %d sent alerts and %d crawl logs "
        "deleted",
        report.runs_abandoned,
        abandoned,
        report.runs_deleted,
        report.alerts_deleted,
        report.logs_deleted,
    )
    return report


def prune_sent_alerts(session: Session, *, before: datetime) -> int:
    """Delete alerts sent before ``before``; pending and failed ones stay."""
    deleted = session.scalars(
        delete(Alert)
        .where(Alert.status == SENT, Alert.sent_at < before)
        .returning(Alert.id)
        .execution_options(synchronize_session=False)
    ).all()
    return len(deleted)


def prune_crawl_logs(log_dir: Path, *, before: datetime) -> int:
    """Delete ``crawl-*.log`` files last written before ``before``."""
    if not log_dir.is_dir():
        return 0
    deleted = 0
    cutoff = before.timestamp()
    for path in log_dir.glob("crawl-*.log"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
        except FileNotFoundError:
            continue
    return deleted


def optimize_database(engine: Engine) -> None:
    """Cheap, online maintenance: no full VACUUM, which would lock SQLite for its duration."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # autocommit at the driver: the PRAGMAs run outside BEGIN
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA optimize")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.close()
        finally:
            raw.close()
    elif engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
