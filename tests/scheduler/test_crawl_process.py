"""The crawl-due job with a real subprocess (a fake crawl command): finished, hung, crashed,
killed or silent, the outcome is recorded and the scheduler carries on to the next crawl."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from jobs.context import JobContext
from jobs.crawl import crawl_due
from jobs.process import CrawlLimits, SubprocessCrawl
from settings.config import AppConfig
from storage import Database
from storage.models import CrawlRun, Source
from tests.scheduler.conftest import subprocess_launcher

MakeContext = Callable[..., JobContext]
QUICK = CrawlLimits(time_limit=timedelta(seconds=1), kill_grace=timedelta(seconds=1))

pytestmark = pytest.mark.usefixtures("env")


def run_row(db: Database, run_id: int) -> CrawlRun:
    with db.sessions.begin() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        return run


def sources(db: Database) -> dict[str, Source]:
    with db.sessions.begin() as session:
        return {s.name: s for s in session.scalars(select(Source))}


def make_due_again(db: Database) -> None:
    with db.sessions.begin() as session:
        session.execute(update(Source).values(next_due_at=None))


def test_a_finished_crawl_is_logged_with_its_counts(
    db: Database,
    config: AppConfig,
    make_context: MakeContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ctx = make_context(subprocess_launcher("ok", config))
    with caplog.at_level("INFO", logger="jobs.crawl"):
        report = crawl_due(ctx)
    assert report is not None
    assert report.outcome == "finished"
    assert report.sources == ("fast", "slow")
    assert report.unfinished == ()
    state = sources(db)
    assert {name: s.lease_owner for name, s in state.items()} == {"fast": None, "slow": None}
    assert all(s.next_due_at is not None for s in state.values())
    [line] = [r.getMessage() for r in caplog.records if r.name == "jobs.crawl"]
    assert line.startswith(f"crawl run {report.run_id}: finished in ")
    assert "2 sources (fast, slow): feeds=2 feeds_failed=0 new_articles=0" in line
    assert report.log_path is not None
    assert "fake crawl ok" in report.log_path.read_text()


@pytest.mark.parametrize(
    ("mode", "killed"),
    [("hang", False), ("stubborn", True)],
    ids=["stops-on-sigterm", "needs-sigkill"],
)
def test_a_hung_crawl_is_stopped_at_its_limit_and_recorded_as_timeout(
    db: Database, config: AppConfig, make_context: MakeContext, mode: str, killed: bool
) -> None:
    ctx = make_context(subprocess_launcher(mode, config), limits=QUICK)
    report = crawl_due(ctx)
    assert report is not None
    assert report.outcome == "timeout"
    run = run_row(db, report.run_id)
    assert run.finished_at is not None
    assert run.stats["scheduler"] == {"time_limit_s": 1.0, "killed": killed}
    # the fake never claimed its sources: both count a failure and are backed off
    assert report.unfinished == ("fast", "slow")
    state = sources(db)
    assert sorted(state) == ["fast", "slow"]
    for source in state.values():
        assert source.consecutive_failures == 1
        assert source.last_outcome == "timeout"
        assert source.last_error == "crawl stopped at its time limit of 0:00:01"
        assert source.lease_owner is None
        assert source.next_due_at is not None

    # ... and the scheduler carries on: the next crawl runs and succeeds
    ctx.launcher, ctx.limits = subprocess_launcher("ok", config), CrawlLimits()
    make_due_again(db)
    after = crawl_due(ctx)
    assert after is not None
    assert after.outcome == "finished"
    assert {s.consecutive_failures for s in sources(db).values()} == {0}


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("exit1", "crawl exited with code 1"),
        ("selfkill", "crawl killed by SIGKILL (out of memory?)"),
        ("silent", "crawl exited without recording its run"),
    ],
)
def test_a_crashed_crawl_is_recorded_as_failed(
    db: Database, config: AppConfig, make_context: MakeContext, mode: str, error: str
) -> None:
    ctx = make_context(subprocess_launcher(mode, config))
    report = crawl_due(ctx)
    assert report is not None
    assert report.outcome == "failed"
    assert run_row(db, report.run_id).stats["scheduler"]["error"] == error
    state = sources(db)
    assert sorted(state) == ["fast", "slow"]
    for source in state.values():
        assert source.consecutive_failures == 1
        assert source.last_error == error
        assert source.lease_owner is None

    ctx.launcher = subprocess_launcher("ok", config)
    make_due_again(db)
    after = crawl_due(ctx)
    assert after is not None
    assert after.outcome == "finished"


def test_a_crawl_that_fails_after_claiming_releases_its_leases(
    db: Database, config: AppConfig, make_context: MakeContext
) -> None:
    ctx = make_context(subprocess_launcher("fail", config))
    report = crawl_due(ctx)
    assert report is not None
    assert report.outcome == "finished"  # the process worked; the sites did not
    state = sources(db)
    assert {s.last_outcome for s in state.values()} == {"failed"}
    assert {s.lease_owner for s in state.values()} == {None}


def test_a_crawl_command_that_does_not_exist_is_recorded(
    db: Database, config: AppConfig, make_context: MakeContext
) -> None:
    launcher = SubprocessCrawl(command=("/nonexistent/scrapy",), log_dir=config.data_dir / "logs")
    report = crawl_due(make_context(launcher))
    assert report is not None
    assert report.outcome == "failed"
    error = run_row(db, report.run_id).stats["scheduler"]["error"]
    assert error.startswith("crawl could not start: ")


def test_a_launcher_that_raises_is_recorded(db: Database, make_context: MakeContext) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    report = crawl_due(make_context(broken))
    assert report is not None
    assert report.outcome == "failed"
    assert sources(db)["fast"].last_error == "crawl could not run: RuntimeError: boom"
