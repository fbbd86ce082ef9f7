"""Flag a newly stored article: match it against every watch, record the matches and queue
their alerts, all in the caller's transaction (so a match never exists without its alerts)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from storage.alerts import queue_alerts
from storage.watches import record_match, sync_watches
from watches.matcher import Matcher, WatchMatch
from watches.spec import Watch

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Watchlist:
    """The watches compiled once per process, with their database ids."""

    watches: dict[str, Watch]
    ids: dict[str, int]
    matcher: Matcher

    @classmethod
    def build(cls, session: Session, watches: Sequence[Watch], now: datetime) -> Watchlist:
        ids = sync_watches(session, [(w.name, w.query) for w in watches], now)
        return cls({w.name: w for w in watches}, ids, Matcher(watches))


def flag_article(
    session: Session,
    watchlist: Watchlist,
    *,
    article_id: int,
    title: str | None,
    body: str,
    now: datetime,
    alert: bool = True,
    story_id: int | None = None,
) -> list[WatchMatch]:
    """Record each new match of the article and (unless ``alert`` is false) queue its alerts."""
    new: list[WatchMatch] = []
    for found in watchlist.matcher.match(title or "", body):
        watch = watchlist.watches[found.watch]
        match_id = record_match(
            session,
            watch_id=watchlist.ids[found.watch],
            article_id=article_id,
            terms=found.terms,
            fields=found.fields,
            snippet=found.snippet,
            highlights=found.highlights,
            now=now,
        )
        if match_id is None:
            continue
        new.append(found)
        if not alert:
            continue
        queue_alerts(
            session,
            match_id=match_id,
            watch_id=watchlist.ids[found.watch],
            article_id=article_id,
            recipients=watch.recipients,
            channels=watch.channels,
            delivery_mode=watch.delivery.mode,
            due_at=watch.delivery.next_after(now),
            story_id=story_id,
        )
    return new
