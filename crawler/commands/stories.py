"""``scrapy stories``: articles grouped into stories (the same story across sources).

Reads ``NEWSWATCH_DB_URL``.
"""

from __future__ import annotations

import argparse
import sys

from crawler.cli import NewswatchCommand, iso, short_time, write_json_lines
from storage.stories import list_stories


class Command(NewswatchCommand):
    def syntax(self) -> str:
        return "[--since AGE] [--min-size N] [--limit N] [--json]"

    def short_desc(self) -> str:
        return "List stories (near-duplicate articles across sources), newest first"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--since", metavar="AGE", help="only stories with an article seen within AGE (24h)"
        )
        parser.add_argument(
            "--min-size", metavar="N", type=self.positive, default=1,
            help="only stories carried by at least N articles (default 1)",
        )  # fmt: skip
        parser.add_argument(
            "--limit", metavar="N", type=self.positive, default=20, help="at most N (default 20)"
        )
        parser.add_argument("--json", action="store_true", help="one JSON object a line")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        with self.open_database().sessions() as session:
            stories = [
                s
                for s in list_stories(session, since=self.since(opts.since), limit=opts.limit)
                if s.size >= opts.min_size
            ]
        if opts.json:
            write_json_lines(
                {
                    "story_id": s.story_id,
                    "size": s.size,
                    "sources": s.sources,
                    "first_seen_at": iso(s.first_seen_at),
                    "last_seen_at": iso(s.last_seen_at),
                    "title": s.title,
                    "url": s.url,
                }
                for s in stories
            )
            return
        for s in stories:
            sys.stdout.write(
                f"story {s.story_id}  {s.size} article{'s' if s.size != 1 else ''}"
                f"  first seen {short_time(s.first_seen_at)}  {', '.join(s.sources)}\n"
                f"    {(s.title or '(no title)')[:90]}\n"
            )
        if not stories:
            sys.stdout.write("no stories\n")
