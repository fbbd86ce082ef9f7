"""``scrapy matches``: list what the watches flagged, newest first (reads ``NEWSWATCH_DB_URL``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scrapy.exceptions import UsageError

from crawler.cli import NewswatchCommand, iso, short_time, write_json_lines
from storage.watches import list_matches
from watches.matcher import mark


class Command(NewswatchCommand):
    def syntax(self) -> str:
        return "[--watch NAME] [--since AGE] [--limit N] [--json | --atom]"

    def short_desc(self) -> str:
        return "List watch matches, newest first"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--watch", metavar="NAME", help="only matches of this watch")
        parser.add_argument("--since", metavar="AGE", help="only matches made within AGE (24h, 7d)")
        parser.add_argument(
            "--limit",
            metavar="N",
            type=self.positive,
            default=20,
            help="at most N matches (default 20)",
        )
        parser.add_argument("--json", action="store_true", help="one JSON object a line")
        parser.add_argument(
            "--atom",
            action="store_true",
            help="the watch's matches as an Atom feed (needs --watch)",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if opts.atom:
            if not opts.watch:
                raise UsageError("--atom needs --watch NAME", print_help=False)
            from alerts.atom import render_watch_feed

            with self.open_database().sessions() as session:
                sys.stdout.buffer.write(render_watch_feed(session, opts.watch, opts.limit))
            return
        with self.open_database().sessions() as session:
            rows = list_matches(
                session, watch=opts.watch, since=self.since(opts.since), limit=opts.limit
            )
        if opts.json:
            write_json_lines(
                {
                    "watch": watch.name,
                    "url": article.canonical_url,
                    "title": article.title,
                    "source": source,
                    "terms": match.terms,
                    "fields": match.fields,
                    "snippet": mark(match.snippet, _pairs(match.highlights)),
                    "matched_at": iso(match.matched_at),
                }
                for match, watch, article, source in rows
            )
            return
        for match, watch, article, source in rows:
            sys.stdout.write(
                f"{short_time(match.matched_at)}  {watch.name}  [{', '.join(match.terms)}]"
                f"  {source}: {(article.title or '(no title)')[:80]}\n"
                f"    {article.canonical_url}\n"
                f"    {mark(match.snippet, _pairs(match.highlights))}\n"
            )
        if not rows:
            sys.stdout.write("no matches\n")


def _pairs(highlights: list[Any]) -> tuple[tuple[int, int], ...]:
    return tuple((int(start), int(end)) for start, end in highlights)
