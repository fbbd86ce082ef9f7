"""Per-source bookkeeping during a crawl, written to the database when the crawl closes.

Counts what each source's feeds and pages did, by reason, so ``scrapy sources`` can show it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class SourceHealth:
    """What one source's feeds did in this crawl."""

    feeds_ok: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    last_error: str | None = None
    retry_after: datetime | None = None

    def feed_ok(self, *, not_modified: bool = False) -> None:
        if not_modified:
            self.feeds_not_modified += 1
        else:
            self.feeds_ok += 1

    def failure(self, reason: str, message: str, *, feed: bool) -> None:
        """Count a failure by reason; feed failures decide the source's outcome."""
        self.failures[reason] += 1
        self.last_error = message
        if feed:
            self.feeds_failed += 1

    @property
    def outcome(self) -> str:
        """``ok``, ``partial`` (some feeds failed) or ``failed`` (no feed could be read)."""
        succeeded = self.feeds_ok + self.feeds_not_modified
        if self.feeds_failed and not succeeded:
            return "failed"
        return "partial" if self.feeds_failed else "ok"
