"""The ``crawl-due`` job: crawl every source that is due, all in one ``scrapy crawl`` process.

Creates the ``crawl_runs`` row, hands its id to the crawl, and afterwards records what the crawl
could not (a timeout, a crash, a stop) and logs one line per crawl with its counts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alerts.atom import write_watch_feeds
from jobs.context import JobContext
from jobs.process import CrawlRequest, ProcessOutcome
from settings.sources import Source
from storage.runs import start_run
from storage.schedule import (
    RUNNING,
    due_sources,
    get_crawl_run,
    lease_owner_for_run,
    record_crawl_failure,
    record_crawl_interrupted,
    record_crawl_timeout,
    release_sources,
)

logger = logging.getLogger(__name__)

# The crawl's stats (``crawl_runs.stats``, Scrapy's stats) in the scheduler's line per crawl:
# label -> stats key, or a key prefix ending in "/" whose values are added up.
COUNTS = (
    ("feeds", "newswatch/feeds/fetched"),
    ("not_modified", "newswatch/feeds/not_modified"),
    ("feeds_failed", "newswatch/feeds/failed/"),
    ("entries", "newswatch/entries/seen"),
    ("new_articles", "newswatch/articles/new"),
    ("duplicates", "newswatch/articles/duplicate/"),
    ("articles_failed", "newswatch/articles/failed/"),
    ("skipped_leased", "newswatch/sources/skipped_leased"),
    ("errors", "log_count/ERROR"),
)


def summarize(stats: Mapping[str, Any]) -> str:
    """``feeds=3 not_modified=2 new_articles=5 ...``: the counts a crawl run recorded."""
    parts = []
    for label, key in COUNTS:
        if key.endswith("/"):
            values = [v for k, v in stats.items() if k.startswith(key) and isinstance(v, int)]
            if values:
                parts.append(f"{label}={sum(values)}")
        elif isinstance(stats.get(key), int):
            parts.append(f"{label}={stats[key]}")
    return " ".join(parts)


@dataclass(frozen=True)
class CrawlReport:
    """One crawl as the scheduler logs it."""

    run_id: int
    sources: tuple[str, ...]
    outcome: str
    seconds: float
    stats: Mapping[str, Any]
    unfinished: tuple[str, ...] = ()
    log_path: Path | None = None

    def line(self) -> str:
        counts = summarize(self.stats)
        text = (
            f"crawl run {self.run_id}: {self.outcome} in {self.seconds:.1f}s, "
            f"{len(self.sources)} sources ({', '.join(self.sources)})"
        )
        if counts:
            text += f": {counts}"
        if self.unfinished:
            text += f"; not finished: {', '.join(self.unfinished)}"
        if self.log_path is not None:
            text += f"; log {self.log_path}"
        return text


def crawl_due(ctx: JobContext) -> CrawlReport | None:
    """Crawl the sources due now in one process; None when nothing is due (or we are stopping)."""
    if ctx.stop.stopping:
        return None
    configured = ctx.sources.load()
    now = ctx.clock.now()
    with ctx.db.sessions.begin() as session:
        names = due_sources(session, configured, now)
        if not names:
            logger.debug("no source is due at %s", now)
            return None
        run_id = start_run(session, names, now)
    logger.debug("crawl run %d starting for %s", run_id, names)
    request = CrawlRequest(run_id=run_id, sources=tuple(names), limits=ctx.limits)
    started = time.monotonic()
    try:
        outcome = ctx.launcher(request, ctx.stop)
    except Exception as exc:
        logger.exception("crawl run %d for %s could not run", run_id, names)
        outcome = ProcessOutcome(None, error=f"crawl could not run: {type(exc).__name__}: {exc}")
    batch = [source for source in configured if source.name in set(names)]
    report = settle(ctx, request, batch, outcome, seconds=time.monotonic() - started)
    refresh_watch_feeds(ctx)
    if report.outcome in {"finished", "ok"}:
        logger.info("%s", report.line())
    else:
        logger.warning("%s", report.line())
    return report


def refresh_watch_feeds(ctx: JobContext) -> None:
    """Rewrite the per-watch Atom feeds that the crawl's new matches changed."""
    try:
        with ctx.db.sessions.begin() as session:
            write_watch_feeds(session, ctx.config.feeds_dir)
    except OSError as exc:  # a full disk must not stop the scheduler; the next crawl retries
        logger.error("could not write the watch feeds under %s: %s", ctx.config.feeds_dir, exc)


def settle(
    ctx: JobContext,
    request: CrawlRequest,
    batch: Sequence[Source],
    outcome: ProcessOutcome,
    *,
    seconds: float,
) -> CrawlReport:
    """Record what the crawl process could not record itself, and read the run back."""
    now = ctx.clock.now()
    run_id = request.run_id
    with ctx.db.sessions.begin() as session:
        unfinished: list[str] = []
        if outcome.timed_out:
            unfinished = record_crawl_timeout(
                session,
                run_id,
                batch,
                now=now,
                limit=request.limits.time_limit,
                killed=outcome.killed,
            )
        elif outcome.interrupted:
            unfinished = record_crawl_interrupted(session, run_id, batch, now=now)
        else:
            run = get_crawl_run(session, run_id)
            if outcome.error is not None or outcome.returncode != 0 or run.outcome == RUNNING:
                error = (
                    "crawl exited without recording its run"
                    if outcome.returncode == 0
                    else outcome.describe()
                )
                unfinished = record_crawl_failure(
                    session, run_id, batch, now=now, error=error, exit_code=outcome.returncode
                )
            else:
                release_sources(session, request.sources, owner=lease_owner_for_run(run_id))
        run = get_crawl_run(session, run_id)
        return CrawlReport(
            run_id=run_id,
            sources=request.sources,
            outcome=run.outcome,
            seconds=seconds,
            stats=dict(run.stats),
            unfinished=tuple(unfinished),
            log_path=outcome.log_path,
        )
