"""``scrapy sources``: each source's health: last crawl, outcome, articles, failures, next due.

Reads ``NEWSWATCH_SOURCES`` (which sources exist) and ``NEWSWATCH_DB_URL`` (their state).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crawler.cli import NewswatchCommand, iso, short_time, write_json_lines, write_table
from settings.sources import load_sources
from storage.sources import all_sources


class Command(NewswatchCommand):
    def syntax(self) -> str:
        return "[--json]"

    def short_desc(self) -> str:
        return "Show each source's crawl health and when it is next due"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--json", action="store_true", help="one JSON object a line")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        configured = load_sources(Path(self.settings["NEWSWATCH_SOURCES"]))
        db = self.open_database()
        with db.sessions() as session:
            state = all_sources(session)
        rows: list[dict[str, Any]] = []
        for source in configured:
            row = state.get(source.name)
            rows.append(
                {
                    "name": source.name,
                    "enabled": source.enabled,
                    "feeds": len(source.feeds),
                    "interval_seconds": int(source.interval.total_seconds()),
                    "last_crawl_at": iso(row.last_crawl_at) if row else None,
                    "last_outcome": row.last_outcome if row else None,
                    "articles_stored": row.articles_stored if row else 0,
                    "consecutive_failures": row.consecutive_failures if row else 0,
                    "failures_by_reason": dict(row.failures_by_reason) if row else {},
                    "last_error": row.last_error if row else None,
                    "next_due_at": iso(row.next_due_at) if row else None,
                }
            )
        if opts.json:
            write_json_lines(rows)
            return
        write_table(
            [
                "SOURCE",
                "LAST CRAWL (UTC)",
                "OUTCOME",
                "ARTICLES",
                "FAILS",
                "NEXT DUE (UTC)",
                "LAST ERROR",
            ],
            [
                [
                    r["name"] + ("" if r["enabled"] else " (off)"),
                    short_time(state[r["name"]].last_crawl_at) if r["name"] in state else "-",
                    r["last_outcome"] or "never",
                    str(r["articles_stored"]),
                    str(r["consecutive_failures"]),
                    short_time(state[r["name"]].next_due_at) if r["name"] in state else "now",
                    (r["last_error"] or "")[:70],
                ]
                for r in rows
            ],
        )
        reasons = {r["name"]: r["failures_by_reason"] for r in rows if r["failures_by_reason"]}
        if reasons:
            sys.stdout.write("\nfailures by reason (all crawls):\n")
            for name, counts in reasons.items():
                text = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
                sys.stdout.write(f"  {name}: {text}\n")
