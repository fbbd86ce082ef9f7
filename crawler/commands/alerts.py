"""``scrapy alerts``: list the alert outbox (pending, sent, failed); ``--send`` delivers it.

Reads ``NEWSWATCH_DB_URL`` and ``NEWSWATCH_DATA_DIR`` (Scrapy settings, ``-s`` overrides them) and
the SMTP settings of ``settings.config`` (``NEWSWATCH_SMTP_URL``, ``NEWSWATCH_SMTP_PASSWORD``,
``NEWSWATCH_MAIL_FROM``). With no SMTP URL, messages go to ``.eml`` files in ``data/outbox/``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from scrapy.exceptions import UsageError

from alerts.atom import write_watch_feeds
from alerts.channels import redact_url
from alerts.outbox import DeliveryReport, deliver_due
from crawler.cli import NewswatchCommand, iso, short_time, write_json_lines, write_table
from settings.config import AppConfig, ConfigError, load_config
from storage import Database
from storage.alerts import STATUSES, AlertRow, count_by_status, list_alerts


def shown_recipient(row: AlertRow) -> str:
    return row.recipient if row.channel == "email" else redact_url(row.recipient)


def note(row: AlertRow) -> str:
    """What a person wants to know next to the alert: the answer that stopped it, else the news."""
    if row.status == "failed" or (row.status == "pending" and row.last_error):
        retry = ""
        if row.status == "pending" and row.next_attempt_at is not None:
            retry = f"retry {short_time(row.next_attempt_at)}: "
        return retry + " ".join((row.last_error or "").split())
    return " ".join((row.headline or row.url).split())


def alert_json(row: AlertRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "watch": row.watch,
        "recipient": shown_recipient(row),
        "channel": row.channel,
        "delivery": row.delivery,
        "headline": row.headline,
        "url": row.url,
        "due_at": iso(row.due_at),
        "attempts": row.attempts,
        "next_attempt_at": iso(row.next_attempt_at),
        "last_error": row.last_error,
        "message_id": row.message_id,
        "created_at": iso(row.created_at),
        "sent_at": iso(row.sent_at),
    }


class Command(NewswatchCommand):
    def syntax(self) -> str:
        return (
            "[--status pending|sent|failed] [--watch NAME] [--limit N] [--json] "
            "[--send] [--dry-run]"
        )

    def short_desc(self) -> str:
        return "List pending, sent and failed alerts; --send delivers what is due now"

    def long_desc(self) -> str:
        return (
            "List the alert outbox, newest first. --send delivers the alerts due now "
            "(by SMTP when NEWSWATCH_SMTP_URL is set, else as .eml files under data/outbox/) "
            "and refreshes the Atom feeds under data/feeds/; --dry-run prints those messages "
            "and changes nothing. Exit status 1 when an alert failed or waits for a retry."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--status", choices=STATUSES, help="only alerts with this status")
        parser.add_argument("--watch", metavar="NAME", help="only alerts of this watch")
        parser.add_argument(
            "--limit", type=self.positive, default=50, metavar="N", help="at most N (default 50)"
        )
        parser.add_argument("--json", action="store_true", help="one JSON object per line")
        parser.add_argument("--send", action="store_true", help="deliver the alerts due now")
        parser.add_argument(
            "--dry-run", action="store_true", help="print the messages due now, send nothing"
        )

    def app_config(self) -> AppConfig:
        assert self.settings is not None
        try:
            config = load_config()
        except ConfigError as exc:
            raise UsageError(str(exc), print_help=False) from None
        return dataclasses.replace(config, data_dir=Path(self.settings.get("NEWSWATCH_DATA_DIR")))

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError("scrapy alerts takes no arguments")
        if opts.send and opts.dry_run:
            raise UsageError("give --send or --dry-run, not both", print_help=False)
        config = self.app_config()
        db = self.open_database()
        try:
            if opts.send or opts.dry_run:
                self.send(db, config, dry_run=opts.dry_run, as_json=opts.json)
            else:
                self.list(db, opts)
        finally:
            db.dispose()

    def send(self, db: Database, config: AppConfig, *, dry_run: bool, as_json: bool) -> None:
        try:
            report = deliver_due(db, config, dry_run=dry_run, out=sys.stdout)
        except ValueError as exc:  # a bad NEWSWATCH_SMTP_URL; the message never quotes it
            raise UsageError(str(exc), print_help=False) from None
        if not dry_run:
            with db.sessions() as session:
                write_watch_feeds(session, config.feeds_dir)
        self.report(report, as_json=as_json)

    def report(self, report: DeliveryReport, *, as_json: bool) -> None:
        if as_json:
            write_json_lines([dataclasses.asdict(report)])
        else:
            stream = sys.stderr if report.dry_run else sys.stdout
            stream.write(report.summary() + "\n")
            for error in report.errors:
                sys.stderr.write(error + "\n")
        if report.failed or report.retried:
            self.exitcode = 1

    def list(self, db: Database, opts: argparse.Namespace) -> None:
        with db.sessions() as session:
            rows = list_alerts(session, opts.status, opts.limit, watch=opts.watch)
            counts = count_by_status(session)
        if opts.json:
            write_json_lines(alert_json(row) for row in rows)
            return
        write_table(
            ["ID", "STATUS", "WATCH", "RECIPIENT", "DELIVERY", "DUE", "TRIES", "HEADLINE / ERROR"],
            [
                [
                    str(row.id),
                    row.status,
                    row.watch,
                    shown_recipient(row),
                    row.delivery if row.channel == "email" else f"{row.delivery} (apprise)",
                    short_time(row.due_at),
                    str(row.attempts),
                    note(row),
                ]
                for row in rows
            ],
        )
        sys.stdout.write(", ".join(f"{status} {n}" for status, n in counts.items()) + "\n")
