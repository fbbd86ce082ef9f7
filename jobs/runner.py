"""The functions APScheduler calls, by name, from the job store, and the ``--once`` pass.

A persistent job store keeps a job's function as a ``module:name`` reference, so the jobs here take
no arguments and use the context ``install`` gave them. Each job logs and swallows its own
failure: the scheduler carries on and the next tick tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from jobs.alerts import send_alerts
from jobs.context import JobContext
from jobs.crawl import crawl_due
from jobs.housekeeping import housekeeping
from storage.schedule import abandon_stale_runs

logger = logging.getLogger(__name__)

CRAWL_DUE = "crawl-due"
SEND_ALERTS = "send-alerts"
HOUSEKEEPING = "housekeeping"

# The textual references the job store keeps; renaming a function here needs no migration
# because scheduler.py re-syncs every job's function on start.
JOB_FUNCTIONS = {
    CRAWL_DUE: "jobs.runner:crawl_due_job",
    SEND_ALERTS: "jobs.runner:send_alerts_job",
    HOUSEKEEPING: "jobs.runner:housekeeping_job",
}

_context: JobContext | None = None


def install(context: JobContext | None) -> None:
    """Give the jobs their context (None to take it away)."""
    global _context
    _context = context


def installed() -> JobContext:
    if _context is None:
        raise RuntimeError("jobs.runner.install(context) has not been called")
    return _context


def run_job(name: str, job: Callable[[JobContext], object], context: JobContext) -> bool:
    """Run ``job``; log its failure and carry on. True if it did not raise."""
    try:
        job(context)
    except Exception:
        logger.exception("job %s failed; the scheduler carries on", name)
        return False
    return True


def crawl_due_job() -> None:
    run_job(CRAWL_DUE, crawl_due, installed())


def send_alerts_job() -> None:
    run_job(SEND_ALERTS, send_alerts, installed())


def housekeeping_job() -> None:
    run_job(HOUSEKEEPING, housekeeping, installed())


def recover(context: JobContext) -> list[int]:
    """On start: close the runs whose crawl died with an earlier scheduler (leases long gone)."""
    with context.db.sessions.begin() as session:
        abandoned = abandon_stale_runs(
            session, now=context.clock.now(), older_than=context.limits.lease
        )
    if abandoned:
        logger.warning("crawl runs %s were left running by a dead process: abandoned", abandoned)
    return abandoned


def run_once(context: JobContext, *, housekeeping_due: bool) -> bool:
    """``--once``: crawl what is due, send what is due, housekeep if due. True if all went well."""
    ok = run_job(CRAWL_DUE, crawl_due, context)
    if not context.stop.stopping:
        ok = run_job(SEND_ALERTS, send_alerts, context) and ok
    if housekeeping_due and not context.stop.stopping:
        ok = run_job(HOUSEKEEPING, housekeeping, context) and ok
    return ok
