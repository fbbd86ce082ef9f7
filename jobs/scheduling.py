"""A small typed wrapper around APScheduler 3.x, which ships no types.

A background scheduler whose jobs live in the application database (APScheduler's own table
``apscheduler_jobs``), so next run times survive a restart. Every job has an explicit id, missed
runs are coalesced into one however late (``misfire_grace_time=None``) and no job overlaps itself
(``max_instances=1``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

logger = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
JOB_OPTIONS: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


@dataclass(frozen=True)
class Every:
    """Run every ``seconds`` seconds."""

    seconds: float

    def describe(self) -> str:
        return f"every {self.seconds:g}s"

    def trigger(self) -> Any:
        return IntervalTrigger(seconds=self.seconds, timezone=UTC)


@dataclass(frozen=True)
class DailyAt:
    """Run once a day at ``hour:minute`` in ``timezone``."""

    hour: int
    minute: int
    timezone: str = "UTC"

    def describe(self) -> str:
        return f"daily at {self.hour:02d}:{self.minute:02d} {self.timezone}"

    def trigger(self) -> Any:
        return CronTrigger(hour=self.hour, minute=self.minute, timezone=ZoneInfo(self.timezone))


@dataclass(frozen=True)
class JobSpec:
    """One job: its id, its function as ``module:name``, and when it runs.

    ``run_at_start``: a job new to the store runs at once rather than one period later.
    """

    id: str
    func: str
    when: Every | DailyAt
    run_at_start: bool = False

    @property
    def label(self) -> str:
        return f"{self.id} ({self.when.describe()})"


@dataclass(frozen=True)
class StoredJob:
    """A job as the job store holds it."""

    id: str
    name: str
    func: str
    next_run_time: datetime | None
    coalesce: bool
    max_instances: int
    misfire_grace_time: int | None


class _DropOverlapWarnings(logging.Filter):
    """A tick that finds its job still running is expected (a long crawl), not a warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in str(record.msg)


class _Scheduler(BackgroundScheduler):  # type: ignore[misc]  # APScheduler is untyped
    """Processes jobs only while running. APScheduler 3 also processes them once more when
    ``shutdown`` wakes its thread, submitting due jobs to executors already shut down (an
    error per job); ``--once`` always shuts down with jobs due."""

    def _process_jobs(self) -> float | None:
        if self.state != STATE_RUNNING:
            return None
        wait: float | None = super()._process_jobs()
        return wait


class JobScheduler:
    """APScheduler's BackgroundScheduler with its job store in the application database."""

    def __init__(self, engine: Engine, *, workers: int = 3, tablename: str = JOB_TABLE) -> None:
        self._scheduler: Any = _Scheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=tablename)},
            executors={"default": ThreadPoolExecutor(max_workers=workers)},
            job_defaults=JOB_OPTIONS,
            timezone=UTC,
        )
        logging.getLogger("apscheduler.scheduler").addFilter(_DropOverlapWarnings())

    def open(self) -> None:
        """Start paused: the job store is readable, nothing runs until :meth:`resume`."""
        self._scheduler.start(paused=True)

    def sync(self, specs: Sequence[JobSpec]) -> None:
        """Make the stored jobs match ``specs``, keeping the stored next run time of every job
        whose schedule did not change; remove jobs no spec names."""
        wanted = {spec.id for spec in specs}
        for job in self._scheduler.get_jobs():
            if job.id not in wanted:
                logger.info("removing job %s, which is no longer scheduled", job.id)
                self._scheduler.remove_job(job.id)
        for spec in specs:
            job = self._scheduler.get_job(spec.id)
            if job is None:
                extra = {"next_run_time": datetime.now(UTC)} if spec.run_at_start else {}
                self._scheduler.add_job(
                    spec.func, spec.when.trigger(), id=spec.id, name=spec.label, **extra
                )
                continue
            self._scheduler.modify_job(spec.id, func=spec.func, **JOB_OPTIONS)
            if job.name != spec.label:
                logger.info("job %s now runs %s", spec.id, spec.when.describe())
                self._scheduler.reschedule_job(spec.id, trigger=spec.when.trigger())
                self._scheduler.modify_job(spec.id, name=spec.label)

    def jobs(self) -> list[StoredJob]:
        return [
            StoredJob(
                id=str(job.id),
                name=str(job.name),
                func=str(job.func_ref),
                next_run_time=job.next_run_time,
                coalesce=bool(job.coalesce),
                max_instances=int(job.max_instances),
                misfire_grace_time=job.misfire_grace_time,
            )
            for job in self._scheduler.get_jobs()
        ]

    def next_run_time(self, job_id: str) -> datetime | None:
        job = self._scheduler.get_job(job_id)
        when = None if job is None else job.next_run_time
        return when if isinstance(when, datetime) else None

    def next_run_times(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self.jobs()}

    def is_due(self, job_id: str, now: datetime) -> bool:
        when = self.next_run_time(job_id)
        return when is not None and when <= now

    def mark_ran(self, job_id: str, now: datetime) -> datetime | None:
        """After running ``job_id`` by hand (``--once``): move it to its next time after ``now``."""
        job = self._scheduler.get_job(job_id)
        if job is None:
            return None
        when = job.trigger.get_next_fire_time(None, now + timedelta(seconds=1))
        if isinstance(when, datetime):
            self._scheduler.modify_job(job_id, next_run_time=when)
            return when
        return None

    def resume(self) -> None:
        self._scheduler.resume()

    def close(self, *, wait: bool) -> None:
        """Shut down; with ``wait``, running jobs finish first."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)
