"""newswatch's scheduler: keeps every source fresh at its own pace and sends alerts on time.

``python scheduler.py`` runs in the foreground until SIGTERM/SIGINT; ``--once`` runs what is due
and exits (for cron). Reads the application config (``NEWSWATCH_*``, see ``settings.config``).
"""

from __future__ import annotations

import argparse
import logging
import re
import shlex
import sys
from collections.abc import Sequence
from datetime import timedelta

from jobs.alerts import deliver_outbox
from jobs.context import JobContext, Retention, SourceList
from jobs.process import CrawlLimits, SubprocessCrawl, default_crawl_command
from jobs.runner import (
    CRAWL_DUE,
    HOUSEKEEPING,
    JOB_FUNCTIONS,
    SEND_ALERTS,
    install,
    recover,
    run_once,
)
from jobs.scheduling import DailyAt, Every, JobScheduler, JobSpec
from jobs.signals import SignalWatcher
from settings.config import PROJECT_ROOT, ConfigError, load_config
from settings.durations import parse_duration
from storage import open_database

logger = logging.getLogger("scheduler")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
TICK = timedelta(seconds=60)
ALERTS_EVERY = timedelta(seconds=30)


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _clock_time(text: str) -> tuple[int, int]:
    found = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text.strip())
    if not found:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time like 03:30")
    return int(found.group(1)), int(found.group(2))


def _shown(delta: timedelta) -> str:
    """``timedelta(minutes=10)`` -> ``10m``, as the options are written."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scheduler.py",
        description="Crawl each source when it is due, send alerts and digests when they are due, "
        "and keep the database tidy. Runs until SIGTERM or SIGINT; the settings come from the "
        "NEWSWATCH_* environment variables. Durations: 90s, 15m, 4h, 7d.",
    )
    parser.add_argument(
        "--once", action="store_true", help="run everything that is due once, then exit (cron)"
    )
    durations = (
        ("--tick", TICK, "how often to look for due sources"),
        ("--alerts-every", ALERTS_EVERY, "how often to send the alerts and digests that are due"),
        ("--time-limit", CrawlLimits.time_limit, "stop a crawl that runs longer than this, and "
         "record it as timed out"),
        ("--kill-grace", CrawlLimits.kill_grace, "after SIGTERM, how long a crawl has to close "
         "before SIGKILL"),
        ("--stop-wait", CrawlLimits.stop_wait, "on SIGTERM/SIGINT, how long a running crawl may "
         "go on before it is stopped"),
        ("--keep-runs", Retention.crawl_runs, "keep finished crawl runs and crawl logs this long"),
        ("--keep-alerts", Retention.sent_alerts, "keep sent alerts this long"),
    )  # fmt: skip
    for option, default, text in durations:
        parser.add_argument(
            option,
            type=_duration,
            default=default,
            metavar="DURATION",
            help=f"{text} (default: {_shown(default)})",
        )
    parser.add_argument(
        "--housekeeping-at",
        type=_clock_time,
        default=(3, 30),
        metavar="HH:MM",
        help="the time of the daily housekeeping, in UTC (default: 03:30)",
    )
    parser.add_argument(
        "--crawl-command",
        metavar="COMMAND",
        default=shlex.join(default_crawl_command()),
        help="the crawl to run, followed by '-a source=A,B -s NEWSWATCH_RUN_ID=N ...', in the "
        "project root (default: this Python's 'python -m scrapy crawl feeds')",
    )
    return parser


def job_specs(args: argparse.Namespace) -> list[JobSpec]:
    hour, minute = args.housekeeping_at
    tick, alerts = Every(args.tick.total_seconds()), Every(args.alerts_every.total_seconds())
    return [
        JobSpec(CRAWL_DUE, JOB_FUNCTIONS[CRAWL_DUE], tick, run_at_start=True),
        JobSpec(SEND_ALERTS, JOB_FUNCTIONS[SEND_ALERTS], alerts, run_at_start=True),
        JobSpec(HOUSEKEEPING, JOB_FUNCTIONS[HOUSEKEEPING], DailyAt(hour, minute)),
    ]


def run(context: JobContext, args: argparse.Namespace) -> int:
    """Run the scheduler (or one ``--once`` pass) with ``context``; returns the exit status."""
    install(context)
    scheduler = JobScheduler(context.db.engine)
    try:
        with SignalWatcher(context.stop):
            recover(context)
            scheduler.open()
            scheduler.sync(job_specs(args))
            if args.once:
                due = scheduler.is_due(HOUSEKEEPING, context.clock.now())
                ok = run_once(context, housekeeping_due=due)
                if due:
                    scheduler.mark_ran(HOUSEKEEPING, context.clock.now())
                return 0 if ok else 1
            scheduler.resume()
            logger.info(
                "scheduler running: %s; %d sources; next runs %s",
                ", ".join(spec.label for spec in job_specs(args)),
                len(context.sources.load()),
                {job: str(when) for job, when in scheduler.next_run_times().items()},
            )
            context.stop.wait()
            logger.info(
                "stopping: a running crawl may go on for %s", _shown(context.limits.stop_wait)
            )
            scheduler.close(wait=True)
            logger.info("scheduler stopped")
            return 0
    finally:
        scheduler.close(wait=True)
        install(None)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config()
        sources = SourceList(config.sources_file)
        sources.load()
    except ConfigError as exc:
        print(f"scheduler.py: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=config.log_level, format=LOG_FORMAT)
    if config.log_level != "DEBUG":  # APScheduler logs every job run at INFO
        logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    limits = CrawlLimits(args.time_limit, args.kill_grace, args.stop_wait)
    db = open_database(config.resolved_db_url)
    context = JobContext(
        db=db,
        config=config,
        sources=sources,
        launcher=SubprocessCrawl(
            command=tuple(shlex.split(args.crawl_command)),
            cwd=PROJECT_ROOT,
            log_dir=config.data_dir / "logs",
        ),
        deliver=deliver_outbox,
        limits=limits,
        retention=Retention(crawl_runs=args.keep_runs, sent_alerts=args.keep_alerts),
    )
    try:
        return run(context, args)
    finally:
        db.dispose()


if __name__ == "__main__":
    sys.exit(main())
