"""The APScheduler wrapper: jobs in the application database, with explicit ids, coalesced,
never overlapping, and their next run times kept across a restart."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect

from jobs.scheduling import DailyAt, Every, JobScheduler, JobSpec
from storage import Database

RAN = threading.Event()


def mark_ran() -> None:
    RAN.set()


SPECS = [
    JobSpec("crawl-due", "jobs.runner:crawl_due_job", Every(60), run_at_start=True),
    JobSpec("housekeeping", "jobs.runner:housekeeping_job", DailyAt(3, 30)),
]


def opened(db: Database, specs: list[JobSpec]) -> JobScheduler:
    scheduler = JobScheduler(db.engine)
    scheduler.open()
    scheduler.sync(specs)
    return scheduler


def test_jobs_live_in_the_application_database(db: Database) -> None:
    scheduler = opened(db, SPECS)
    try:
        jobs = {job.id: job for job in scheduler.jobs()}
    finally:
        scheduler.close(wait=True)
    assert "apscheduler_jobs" in inspect(db.engine).get_table_names()
    assert sorted(jobs) == ["crawl-due", "housekeeping"]
    for job in jobs.values():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time is None
    assert jobs["crawl-due"].func == "jobs.runner:crawl_due_job"
    assert jobs["crawl-due"].name == "crawl-due (every 60s)"
    housekeeping = jobs["housekeeping"].next_run_time
    assert housekeeping is not None
    assert (housekeeping.astimezone(UTC).hour, housekeeping.minute) == (3, 30)


def test_next_run_times_survive_a_restart(db: Database) -> None:
    first = opened(db, SPECS)
    later = datetime.now(UTC) + timedelta(minutes=7)
    first.mark_ran("crawl-due", later - timedelta(seconds=61))
    before = first.next_run_times()
    first.close(wait=True)

    second = opened(db, SPECS)
    try:
        assert second.next_run_times() == before
    finally:
        second.close(wait=True)


def test_a_changed_schedule_is_applied_and_a_dropped_job_removed(db: Database) -> None:
    opened(db, SPECS).close(wait=True)
    changed = [JobSpec("crawl-due", "jobs.runner:crawl_due_job", Every(30))]
    scheduler = opened(db, changed)
    try:
        [job] = scheduler.jobs()
    finally:
        scheduler.close(wait=True)
    assert job.id == "crawl-due"
    assert job.name == "crawl-due (every 30s)"


def test_is_due_and_mark_ran(db: Database) -> None:
    scheduler = opened(db, SPECS)
    try:
        at = scheduler.next_run_time("housekeeping")
        assert at is not None
        assert not scheduler.is_due("housekeeping", at - timedelta(seconds=1))
        assert scheduler.is_due("housekeeping", at)
        moved = scheduler.mark_ran("housekeeping", at)
        assert moved == at + timedelta(days=1)
        assert scheduler.next_run_time("housekeeping") == moved
    finally:
        scheduler.close(wait=True)


def test_a_resumed_scheduler_runs_its_jobs(db: Database) -> None:
    RAN.clear()
    spec = JobSpec("probe", f"{__name__}:mark_ran", Every(3600), run_at_start=True)
    scheduler = opened(db, [spec])
    try:
        scheduler.resume()
        assert RAN.wait(timeout=60)
    finally:
        scheduler.close(wait=True)
