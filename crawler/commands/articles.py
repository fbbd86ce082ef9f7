"""``scrapy articles``: list stored articles, newest first (reads ``NEWSWATCH_DB_URL``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from crawler.cli import NewswatchCommand, iso, short_time, write_json_lines
from storage.articles import list_articles
from storage.models import Article


def article_json(article: Article, source: str) -> dict[str, Any]:
    return {
        "url": article.url,
        "canonical_url": article.canonical_url,
        "source": source,
        "title": article.title,
        "authors": article.authors,
        "published_at": iso(article.published_at),
        "language": article.language,
        "body": article.body,
        "body_origin": article.body_origin,
        "first_seen_at": iso(article.first_seen_at),
        "story_id": article.story_id,
    }


class Command(NewswatchCommand):
    def syntax(self) -> str:
        return "[--since AGE] [--source NAME] [--limit N] [--json]"

    def short_desc(self) -> str:
        return "List stored articles, newest first"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--since", metavar="AGE", help="only articles first seen within AGE (24h, 7d)"
        )
        parser.add_argument("--source", metavar="NAME", help="only articles of this source")
        parser.add_argument(
            "--limit",
            metavar="N",
            type=self.positive,
            default=20,
            help="at most N articles (default 20)",
        )
        parser.add_argument(
            "--json", action="store_true", help="one JSON object a line, with the body"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        db = self.open_database()
        with db.sessions() as session:
            rows = list_articles(
                session, since=self.since(opts.since), source=opts.source, limit=opts.limit
            )
        if opts.json:
            write_json_lines(article_json(article, source) for article, source in rows)
            return
        for article, source in rows:
            title = (article.title or "(no title)")[:90]
            sys.stdout.write(
                f"{short_time(article.first_seen_at)}  {source}  [{article.body_origin}]  {title}\n"
                f"    {article.canonical_url}\n"
            )
        if not rows:
            sys.stdout.write(
                "no articles stored yet\n"
                if opts.since is None and opts.source is None
                else "no articles match\n"
            )
