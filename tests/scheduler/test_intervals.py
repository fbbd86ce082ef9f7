"""The crawl-due job under a manual clock: each source at its own pace, failures backed off,
Retry-After honoured, one crawl for all the sources due together, leased sources left alone."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from jobs.clock import ManualClock
from jobs.context import JobContext
from jobs.crawl import crawl_due
from storage import Database
from storage.models import CrawlRun, Feed, Source
from storage.schedule import claim_sources
from tests.scheduler.conftest import T0
from tests.scheduler.doubles import InProcessCrawl

MakeContext = Callable[..., JobContext]


def tick_through(
    ctx: JobContext, crawl: InProcessCrawl, clock: ManualClock, minutes: int
) -> dict[int, tuple[str, ...]]:
    """Run the crawl-due job once a minute for ``minutes``: {minute: batch crawled}."""
    crawled: dict[int, tuple[str, ...]] = {}
    for minute in range(minutes + 1):
        clock.set(T0 + timedelta(minutes=minute))
        before = len(crawl.batches)
        crawl_due(ctx)
        if len(crawl.batches) > before:
            crawled[minute] = crawl.batches[-1]
    return crawled


def source_row(db: Database, name: str) -> Source:
    with db.sessions.begin() as session:
        return session.scalars(select(Source).where(Source.name == name)).one()


def test_sources_are_crawled_at_their_own_intervals(
    db: Database, make_context: MakeContext, clock: ManualClock
) -> None:
    ctx = make_context(None, clock=clock)
    crawl = InProcessCrawl(db, clock, ctx.sources.load())
    ctx.launcher = crawl
    crawled = tick_through(ctx, crawl, clock, minutes=120)
    # "fast" every 15 minutes, "slow" every hour, "off" (disabled) never; due together, together
    assert crawled == {
        0: ("fast", "slow"),
        15: ("fast",),
        30: ("fast",),
        45: ("fast",),
        60: ("fast", "slow"),
        75: ("fast",),
        90: ("fast",),
        105: ("fast",),
        120: ("fast", "slow"),
    }
    with db.sessions.begin() as session:
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        assert [run.outcome for run in runs] == ["finished"] * 9
        assert [tuple(run.sources) for run in runs] == list(crawled.values())


def test_a_failing_source_is_backed_off_and_recovers(
    db: Database, make_context: MakeContext, clock: ManualClock
) -> None:
    ctx = make_context(None, clock=clock)
    crawl = InProcessCrawl(db, clock, ctx.sources.load(), failing={"fast"})
    ctx.launcher = crawl
    fast_times: list[int] = []
    for minute in range(0, 24 * 60 + 1):
        if minute == 4 * 60:
            crawl.failing.clear()  # the site is back
        clock.set(T0 + timedelta(minutes=minute))
        before = len(crawl.batches)
        crawl_due(ctx)
        if len(crawl.batches) > before and "fast" in crawl.batches[-1]:
            fast_times.append(minute)
        if len(fast_times) >= 9:
            break
    gaps = [later - earlier for earlier, later in itertools.pairwise(fast_times)]
    # failures at 0, 15, 45, 105, 225 (15, 30, 60, 120 minutes apart), then the next try at
    # 225 + 240 succeeds and the source is back to its 15-minute interval
    assert fast_times[:6] == [0, 15, 45, 105, 225, 465]
    assert gaps[5:] == [15, 15, 15]
    row = source_row(db, "fast")
    assert row.consecutive_failures == 0
    assert row.last_outcome == "ok"


def test_backoff_is_capped_at_six_hours(
    db: Database, make_context: MakeContext, clock: ManualClock
) -> None:
    ctx = make_context(None, clock=clock)
    crawl = InProcessCrawl(db, clock, ctx.sources.load(), failing={"fast"})
    ctx.launcher = crawl
    crawl_due(ctx)
    for _ in range(11):
        due = source_row(db, "fast").next_due_at
        assert due is not None
        clock.set(due)
        crawl_due(ctx)
    row = source_row(db, "fast")
    assert row.consecutive_failures == 12
    assert row.next_due_at == clock.now() + timedelta(hours=6)


def test_retry_after_postpones_the_source(
    db: Database, make_context: MakeContext, clock: ManualClock
) -> None:
    ctx = make_context(None, clock=clock)
    crawl = InProcessCrawl(db, clock, ctx.sources.load())
    ctx.launcher = crawl
    crawl_due(ctx)
    with db.sessions.begin() as session:
        fast = session.scalars(select(Source).where(Source.name == "fast")).one()
        session.add(
            Feed(
                source_id=fast.id,
                url="http://127.0.0.1:9/fast.xml",
                retry_after_until=T0 + timedelta(hours=2),
            )
        )
    clock.set(T0 + timedelta(minutes=15))
    crawl_due(ctx)  # crawled, and the feed still says: not before T0 + 2h
    assert source_row(db, "fast").next_due_at == T0 + timedelta(hours=2)


def test_a_source_leased_by_another_crawl_is_not_crawled(
    db: Database, make_context: MakeContext, clock: ManualClock
) -> None:
    ctx = make_context(None, clock=clock)
    crawl = InProcessCrawl(db, clock, ctx.sources.load())
    ctx.launcher = crawl
    with db.sessions.begin() as session:  # an ad-hoc `scrapy crawl feeds -a source=slow`
        claim_sources(session, ["slow"], owner="adhoc", lease=timedelta(minutes=30), now=T0)
    crawl_due(ctx)
    assert crawl.batches == [("fast",)]


def test_nothing_due_starts_no_crawl(
    db: Database, make_context: MakeContext, clock: ManualClock
) -> None:
    ctx = make_context(None, clock=clock)
    crawl = InProcessCrawl(db, clock, ctx.sources.load())
    ctx.launcher = crawl
    crawl_due(ctx)
    clock.advance(timedelta(minutes=1))
    assert crawl_due(ctx) is None
    assert len(crawl.batches) == 1
