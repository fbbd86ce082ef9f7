"""What every job needs: the database, the config, the clock, the crawl launcher, the stop flags.

Built once by ``scheduler.py``; tests build their own with a manual clock and fakes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from alerts.outbox import DeliveryReport
from jobs.clock import Clock, SystemClock
from jobs.process import CrawlLauncher, CrawlLimits, StopFlags
from settings.config import AppConfig, ConfigError
from settings.sources import Source, load_sources
from storage import Database

logger = logging.getLogger(__name__)


class Deliver(Protocol):
    """Sends the immediate alerts and digests that are due at ``now`` (``alerts.outbox``)."""

    def __call__(self, db: Database, config: AppConfig, now: datetime) -> DeliveryReport: ...


@dataclass(frozen=True)
class Retention:
    """How long housekeeping keeps finished crawl runs (and their logs) and sent alerts."""

    crawl_runs: timedelta = timedelta(days=30)
    sent_alerts: timedelta = timedelta(days=90)


class SourceList:
    """The configured sources, read again when the file changes, so edits need no restart.

    A file that turns invalid is logged and the last good list is kept.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._sources: list[Source] | None = None

    def load(self) -> list[Source]:
        stat = self.path.stat() if self.path.exists() else None
        stamp = (stat.st_mtime_ns, stat.st_size) if stat else (0, 0)
        if stamp != self._stamp or self._sources is None:
            try:
                self._sources = load_sources(self.path)
            except ConfigError as exc:
                if self._sources is None:
                    raise
                if stamp != self._stamp:
                    logger.error("keeping the previous sources: %s", exc)
            self._stamp = stamp
        return self._sources


@dataclass
class JobContext:
    db: Database
    config: AppConfig
    sources: SourceList
    launcher: CrawlLauncher
    deliver: Deliver
    limits: CrawlLimits = field(default_factory=CrawlLimits)
    retention: Retention = field(default_factory=Retention)
    clock: Clock = field(default_factory=SystemClock)
    stop: StopFlags = field(default_factory=StopFlags)

    @property
    def log_dir(self) -> Path:
        return self.config.data_dir / "logs"
