"""Stand-ins for the real crawl: they record in the database what ``scrapy crawl feeds`` will.

``record_crawl`` is the crawl's end-of-run bookkeeping (claim, per-source health, next due time,
release, run row); ``InProcessCrawl`` runs it under a manual clock, ``fake_crawl.py`` in a process.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from jobs.clock import Clock
from jobs.process import CrawlRequest, ProcessOutcome, StopFlags
from settings.sources import Source as SourceConfig
from storage import Database
from storage.alerts import queue_alerts
from storage.models import Alert, Article, CrawlRun, Match, Source, Watch
from storage.schedule import (
    claim_sources,
    ensure_sources,
    feed_hints,
    lease_owner_for_run,
    release_sources,
    set_next_due,
)


def claim(
    db: Database, run_id: int, names: Sequence[str], *, lease: timedelta, now: datetime
) -> list[str]:
    with db.sessions.begin() as session:
        return claim_sources(
            session, names, owner=lease_owner_for_run(run_id), lease=lease, now=now
        )


def finish(
    db: Database,
    run_id: int,
    claimed: Sequence[str],
    configured: Sequence[SourceConfig],
    *,
    now: datetime,
    failing: Collection[str] = (),
) -> None:
    """What the real crawl does at its end, for the sources it claimed."""
    intervals = {source.name: source.interval for source in configured}
    with db.sessions.begin() as session:
        for name in claimed:
            row = session.scalars(select(Source).where(Source.name == name)).one()
            succeeded = name not in failing
            row.last_crawl_at = now
            row.last_outcome = "ok" if succeeded else "failed"
            row.consecutive_failures = 0 if succeeded else row.consecutive_failures + 1
            row.last_error = None if succeeded else "HTTP 503"
            hints = feed_hints(session, name)
            set_next_due(
                session,
                name,
                interval=intervals[name],
                succeeded=succeeded,
                failures=row.consecutive_failures,
                now=now,
                retry_after=hints.retry_after,
                ttl_minutes=hints.ttl_minutes,
            )
        release_sources(session, claimed, owner=lease_owner_for_run(run_id))
        run = session.get(CrawlRun, run_id)
        assert run is not None
        run.finished_at = now
        run.outcome = "finished"
        failed = sum(1 for name in claimed if name in failing)
        run.stats = {
            "newswatch/feeds/fetched": len(claimed) - failed,
            "newswatch/feeds/failed/http_503": failed,
            "newswatch/articles/new": 0,
        }


@dataclass
class InProcessCrawl:
    """A launcher that 'crawls' in the test process under the test's clock."""

    db: Database
    clock: Clock
    configured: Sequence[SourceConfig]
    failing: set[str] = field(default_factory=set)
    batches: list[tuple[str, ...]] = field(default_factory=list)

    def __call__(self, request: CrawlRequest, stop: StopFlags) -> ProcessOutcome:
        self.batches.append(request.sources)
        now = self.clock.now()
        claimed = claim(self.db, request.run_id, request.sources, lease=request.lease, now=now)
        finish(self.db, request.run_id, claimed, self.configured, now=now, failing=self.failing)
        return ProcessOutcome(0)


def add_alert(
    db: Database,
    *,
    due_at: datetime,
    delivery: str = "immediate",
    url: str = "https://news.example/acme-profit",
    recipient: str = "ana@example.org",
    source: str = "fast",
) -> int:
    """Store a source, an article, a watch and a match, and queue its alert (as the crawl does).

    Returns the alert's id."""
    with db.sessions.begin() as session:
        ensure_sources(session, [source], now=due_at)
        source_id = session.scalars(select(Source.id).where(Source.name == source)).one()
        watch = session.scalars(select(Watch).where(Watch.name == "Acme")).first()
        if watch is None:
            watch = Watch(name="Acme", query="acme")
            session.add(watch)
        article = Article(
            source_id=source_id, url=url, canonical_url=url, title="Acme", body_origin="feed"
        )
        session.add(article)
        session.flush()
        match = Match(watch_id=watch.id, article_id=article.id, terms=["acme"], snippet="Acme")
        session.add(match)
        session.flush()
        queue_alerts(
            session,
            match_id=match.id,
            watch_id=watch.id,
            article_id=article.id,
            recipients=[recipient],
            delivery_mode=delivery,
            due_at=due_at,
            now=due_at,
        )
        return session.scalars(select(Alert.id).where(Alert.match_id == match.id)).one()
