"""Daily housekeeping: close runs nobody finished, prune old runs, sent alerts and crawl logs,
and let the database tidy itself."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update

from jobs.clock import ManualClock
from jobs.context import JobContext, Retention
from jobs.housekeeping import housekeeping
from storage import Database
from storage.models import Alert, CrawlRun
from storage.runs import start_run
from tests.scheduler.conftest import T0
from tests.scheduler.doubles import add_alert

MakeContext = Callable[..., JobContext]
DAY = timedelta(days=1)


def add_run(db: Database, *, started: timedelta, outcome: str) -> int:
    with db.sessions.begin() as session:
        run_id = start_run(session, ["fast"], T0 - started)
        run = session.get(CrawlRun, run_id)
        assert run is not None
        run.outcome = outcome
        return run_id


def test_housekeeping_prunes_what_retention_says(
    db: Database, make_context: MakeContext, clock: ManualClock
) -> None:
    old_run = add_run(db, started=40 * DAY, outcome="finished")
    new_run = add_run(db, started=2 * DAY, outcome="failed")
    stale = add_run(db, started=timedelta(hours=2), outcome="running")
    live = add_run(db, started=timedelta(minutes=1), outcome="running")
    old_sent = add_alert(db, due_at=T0 - 100 * DAY, url="https://n.example/1")
    new_sent = add_alert(db, due_at=T0 - 10 * DAY, url="https://n.example/2")
    old_pending = add_alert(db, due_at=T0 - 100 * DAY, url="https://n.example/3")
    with db.sessions.begin() as session:
        for alert_id in (old_sent, new_sent):
            alert = session.get(Alert, alert_id)
            assert alert is not None
            alert.status, alert.sent_at = "sent", alert.due_at
    ctx = make_context(None, clock=clock, retention=Retention(30 * DAY, 90 * DAY))
    ctx.log_dir.mkdir(parents=True)
    old_log, new_log = ctx.log_dir / "crawl-1.log", ctx.log_dir / "crawl-2.log"
    for path, age in ((old_log, 31 * DAY), (new_log, DAY)):
        path.write_text("log")
        stamp = (T0 - age).timestamp()
        os.utime(path, (stamp, stamp))

    report = housekeeping(ctx)

    assert report.runs_abandoned == 1
    assert report.runs_deleted == 1
    assert report.alerts_deleted == 1
    assert report.logs_deleted == 1
    with db.sessions.begin() as session:
        runs = {run.id: run.outcome for run in session.scalars(select(CrawlRun))}
        alerts = set(session.scalars(select(Alert.id)))
    assert runs == {new_run: "failed", stale: "abandoned", live: "running"}
    assert old_run not in runs
    assert alerts == {new_sent, old_pending}
    assert not old_log.exists()
    assert new_log.exists()


def test_housekeeping_on_an_empty_database(
    db: Database, make_context: MakeContext, clock: ManualClock
) -> None:
    report = housekeeping(make_context(None, clock=clock))
    assert (report.runs_abandoned, report.runs_deleted, report.alerts_deleted) == (0, 0, 0)
    with db.sessions.begin() as session:  # the database is still usable after the maintenance
        session.execute(update(CrawlRun).values(outcome="x"))
