"""``scrapy watch-test "QUERY"``: try a query over the stored archive without saving anything.

Shows how many articles it would have matched, how many a day, and the latest hits.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import UTC, datetime

from scrapy.exceptions import UsageError

from crawler.cli import NewswatchCommand, short_time
from storage.watches import articles_since
from watches.matcher import Matcher, mark
from watches.query import QuerySyntaxError, parse


class Command(NewswatchCommand):
    def syntax(self) -> str:
        return '"QUERY" [--since AGE] [--show N]'

    def short_desc(self) -> str:
        return "Run a watch query over stored articles without saving anything"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--since", metavar="AGE", default="30d", help="look back AGE (default 30d)"
        )
        parser.add_argument(
            "--show",
            metavar="N",
            type=self.positive,
            default=5,
            help="show the N latest hits (default 5)",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one query, in quotes")
        try:
            parsed = parse(args[0])
        except QuerySyntaxError as error:
            raise UsageError(f"query does not parse:\n{error}", print_help=False) from None
        matcher = Matcher([("query", parsed)])
        since = self.since(opts.since)
        assert since is not None
        checked = 0
        per_day: Counter[str] = Counter()
        hits: list[tuple[datetime, str, str]] = []
        with self.open_database().sessions() as session:
            for _, title, body, first_seen in articles_since(session, since):
                checked += 1
                for found in matcher.match(title or "", body):
                    per_day[first_seen.strftime("%Y-%m-%d")] += 1
                    snippet = mark(found.snippet, found.highlights)
                    hits.append((first_seen, title or "(no title)", snippet))
        days = max(1.0, (datetime.now(UTC) - since).total_seconds() / 86400)
        out = sys.stdout
        out.write(
            f"{len(hits)} of {checked} articles since {short_time(since)} UTC would match "
            f"({len(hits) / days:.1f} a day)\n"
        )
        for day, count in sorted(per_day.items()):
            out.write(f"  {day}  {count}\n")
        for first_seen, title, snippet in sorted(hits, reverse=True)[: opts.show]:
            out.write(f"\n{short_time(first_seen)}  {title[:90]}\n    {snippet}\n")
