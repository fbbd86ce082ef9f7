"""``python scheduler.py`` as a process: ``--help``, ``--once`` for cron, SIGTERM/SIGINT during a
crawl, and a scheduler killed mid-crawl and started again (nothing lost, no alert sent twice).

The crawl is ``fake_crawl.py``; the real one is exercised by the end-to-end tests.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import scheduler
from jobs.clock import ManualClock
from jobs.context import JobContext
from jobs.runner import HOUSEKEEPING
from jobs.scheduling import JobScheduler
from settings.config import PROJECT_ROOT, AppConfig
from storage import Database
from storage.models import Alert, CrawlRun, Source
from storage.runs import start_run
from tests.scheduler.conftest import fake_command
from tests.scheduler.doubles import InProcessCrawl, add_alert, claim

MakeContext = Callable[..., JobContext]
Starter = Callable[..., subprocess.Popen[bytes]]
SCRIPT = str(PROJECT_ROOT / "scheduler.py")
LIVENESS = 60.0  # seconds a step may take before the test gives up (not a speed assertion)


def crawl_option(mode: str) -> list[str]:
    return ["--crawl-command", shlex.join(fake_command(mode))]


def run_once(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, SCRIPT, "--once", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=LIVENESS * 2,
        check=False,
    )


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + LIVENESS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def start_scheduler(
    env: dict[str, str], tmp_path: Path
) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"scheduler-{len(started)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, SCRIPT, "--tick", "1s", "--alerts-every", "1s", *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()
    (tmp_path / "release").touch()  # let any fake crawl still holding on finish
    for started_file in tmp_path.glob("started-*"):
        pid = int(started_file.read_text())
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue


def runs(db: Database) -> list[CrawlRun]:
    with db.sessions.begin() as session:
        return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))


def source_rows(db: Database) -> dict[str, Source]:
    with db.sessions.begin() as session:
        return {s.name: s for s in session.scalars(select(Source))}


def test_help_documents_the_options() -> None:
    result = subprocess.run(
        [sys.executable, SCRIPT, "--help"], capture_output=True, text=True, check=True
    )
    for option in ("--once", "--tick", "--time-limit", "--kill-grace", "--stop-wait"):
        assert option in result.stdout


def test_once_crawls_what_is_due_and_exits(env: dict[str, str], db: Database) -> None:
    first = run_once(env, *crawl_option("ok"))
    assert first.returncode == 0, first.stderr
    assert "crawl run 1: finished in " in first.stderr
    assert "2 sources (fast, slow)" in first.stderr
    assert "Traceback" not in first.stderr
    [run] = runs(db)
    assert (run.outcome, run.sources) == ("finished", ["fast", "slow"])

    second = run_once(env, *crawl_option("ok"))  # nothing is due any more
    assert second.returncode == 0, second.stderr
    assert len(runs(db)) == 1


def test_once_with_a_bad_sources_file_exits_2(env: dict[str, str], config: AppConfig) -> None:
    config.sources_file.write_text("[[sources]]\nname = 'x'\n")
    result = run_once(env)
    assert result.returncode == 2
    assert "feeds: a non-empty list of feed URLs is required" in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_lets_the_running_crawl_finish(
    start_scheduler: Starter,
    db: Database,
    tmp_path: Path,
    sig: signal.Signals,
) -> None:
    process = start_scheduler("--stop-wait", "10m", *crawl_option("hold"))
    wait_for(lambda: (tmp_path / "started-1").exists(), "the crawl to start")
    process.send_signal(sig)
    (tmp_path / "release").touch()
    assert process.wait(timeout=LIVENESS) == 0
    [run] = runs(db)
    assert run.outcome == "finished"
    assert {s.lease_owner for s in source_rows(db).values()} == {None}


def test_a_crawl_that_outlasts_the_stop_wait_is_stopped_and_not_held_against_its_sources(
    start_scheduler: Starter, db: Database, tmp_path: Path
) -> None:
    process = start_scheduler("--stop-wait", "1s", "--kill-grace", "10s", *crawl_option("hold"))
    wait_for(lambda: (tmp_path / "started-1").exists(), "the crawl to start")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=LIVENESS) == 0
    [run] = runs(db)
    assert run.outcome == "interrupted"
    for source in source_rows(db).values():
        assert source.lease_owner is None
        assert source.consecutive_failures == 0
        assert source.next_due_at is None  # due again at once after a restart


def test_a_scheduler_killed_mid_crawl_loses_nothing_and_sends_no_alert_twice(
    start_scheduler: Starter,
    env: dict[str, str],
    db: Database,
    config: AppConfig,
    tmp_path: Path,
) -> None:
    alert_id = add_alert(db, due_at=datetime.now(UTC) - timedelta(minutes=1))
    process = start_scheduler(*crawl_option("hold"))
    wait_for(lambda: (tmp_path / "started-1").exists(), "the crawl to start")

    def alert_sent() -> bool:
        with db.sessions.begin() as session:
            return session.get(Alert, alert_id).status == "sent"  # type: ignore[union-attr]

    wait_for(alert_sent, "the alert to be sent")
    process.kill()  # SIGKILL: no clean-up at all
    process.wait()

    # The crawl, in its own session, outlives the scheduler and records its own run.
    (tmp_path / "release").touch()
    crawl_pid = int((tmp_path / "started-1").read_text())
    wait_for(lambda: runs(db)[0].outcome != "running", "the orphaned crawl to finish")
    wait_for(lambda: not Path(f"/proc/{crawl_pid}").exists() or _zombie(crawl_pid), "its exit")

    again = run_once(env, *crawl_option("ok"))
    assert again.returncode == 0, again.stderr
    [run] = runs(db)  # nothing was due, so no second crawl
    assert run.outcome == "finished"
    assert {s.lease_owner for s in source_rows(db).values()} == {None}
    assert len(list(config.outbox_dir.rglob("*.eml"))) == 1


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return True


def test_a_restart_after_both_died_closes_the_dead_run_and_crawls_again(
    make_context: MakeContext, db: Database, config: AppConfig
) -> None:
    """The scheduler and its crawl both died (a power cut): once their leases have run out, the
    next start marks the run abandoned and crawls the sources again."""
    died_at = datetime.now(UTC)
    dead = ManualClock(died_at)
    dead_ctx = make_context(None, clock=dead)
    crawl = InProcessCrawl(db, dead, dead_ctx.sources.load())
    with db.sessions.begin() as session:
        run_id = start_run(session, ["fast", "slow"], died_at)
    claim(db, run_id, ["fast", "slow"], lease=dead_ctx.limits.lease, now=died_at)

    clock = ManualClock(died_at + timedelta(minutes=5))  # leases still live: nothing to crawl
    ctx = make_context(crawl, clock=clock)
    args = scheduler.build_parser().parse_args(["--once"])
    assert scheduler.run(ctx, args) == 0
    assert crawl.batches == []

    clock.set(died_at + ctx.limits.lease + timedelta(seconds=1))
    crawl.clock = clock
    assert scheduler.run(ctx, args) == 0
    assert crawl.batches == [("fast", "slow")]
    outcomes = [run.outcome for run in runs(db)]
    assert outcomes == ["abandoned", "finished"]


def test_once_runs_housekeeping_only_when_it_is_due(
    make_context: MakeContext, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(datetime.now(UTC))
    ctx = make_context(None, clock=clock)
    ctx.launcher = InProcessCrawl(db, clock, ctx.sources.load())
    args = scheduler.build_parser().parse_args(["--once"])

    def housekept() -> int:
        return sum("housekeeping:" in r.getMessage() for r in caplog.records)

    with caplog.at_level("INFO"):
        assert scheduler.run(ctx, args) == 0
        assert housekept() == 0  # first start: housekeeping is scheduled for the next 03:30
        clock.advance(timedelta(days=1))
        assert scheduler.run(ctx, args) == 0
        assert housekept() == 1
        assert scheduler.run(ctx, args) == 0
        assert housekept() == 1  # done for today
    jobs = JobScheduler(db.engine)
    jobs.open()
    try:
        when = jobs.next_run_time(HOUSEKEEPING)
    finally:
        jobs.close(wait=False)
    assert when is not None
    assert when > clock.now()
