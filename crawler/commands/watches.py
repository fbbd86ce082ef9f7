"""``scrapy watches``: the watches with their recent match counts; ``--backfill`` applies them
to articles already stored. Reads ``NEWSWATCH_WATCHES`` and ``NEWSWATCH_DB_URL``."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scrapy.exceptions import UsageError

from crawler.cli import NewswatchCommand, write_json_lines, write_table
from storage.watches import articles_since, match_counts
from watches.flagging import Watchlist, flag_article
from watches.spec import Watch, WatchConfigError, load_watches


def delivery_text(watch: Watch) -> str:
    delivery = watch.delivery
    if delivery.mode == "immediate":
        return "immediate"
    if delivery.every is not None:
        return f"digest every {_duration(delivery.every)}"
    times = ", ".join(t.strftime("%H:%M") for t in delivery.at)
    return f"digest at {times} {delivery.timezone}"


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def one_line(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


class Command(NewswatchCommand):
    def syntax(self) -> str:
        return "[--backfill AGE [--no-alerts]] [--json]"

    def short_desc(self) -> str:
        return "List the watches with their match counts; backfill them over stored articles"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--backfill",
            metavar="AGE",
            help="match every watch against articles stored within AGE (7d); "
            "nothing already flagged is flagged again",
        )
        parser.add_argument(
            "--no-alerts",
            action="store_true",
            help="with --backfill: record matches, queue no alerts",
        )
        parser.add_argument("--json", action="store_true", help="one JSON object a line")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        try:
            watches = load_watches(Path(self.settings["NEWSWATCH_WATCHES"]))
        except WatchConfigError as error:
            raise UsageError(str(error), print_help=False) from None
        db = self.open_database()
        now = datetime.now(UTC)
        if opts.backfill:
            since = self.since(opts.backfill, now)
            with db.sessions.begin() as session:
                watchlist = Watchlist.build(session, watches, now)
                seen = flagged = 0
                for article_id, title, body, _ in list(articles_since(session, since)):
                    seen += 1
                    new = flag_article(
                        session, watchlist, article_id=article_id, title=title, body=body,
                        now=now, alert=not opts.no_alerts,
                    )  # fmt: skip
                    flagged += len(new)
            sys.stdout.write(f"backfill: {seen} articles checked, {flagged} new matches\n\n")
        with db.sessions() as session:
            day = match_counts(session, now - timedelta(days=1))
            week = match_counts(session, now - timedelta(days=7))
        if opts.json:
            write_json_lines(
                {
                    "name": w.name,
                    "query": w.query,
                    "recipients": list(w.recipients),
                    "delivery": delivery_text(w),
                    "matches_24h": day.get(w.name, 0),
                    "matches_7d": week.get(w.name, 0),
                }
                for w in watches
            )
            return
        write_table(
            ["WATCH", "24H", "7D", "DELIVERY", "QUERY"],
            [
                [
                    w.name,
                    str(day.get(w.name, 0)),
                    str(week.get(w.name, 0)),
                    delivery_text(w),
                    w.query,
                ]
                for w in watches
            ],
        )
