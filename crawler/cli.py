"""Shared base of newswatch's Scrapy project commands: database access and output helpers.

Reads the ``NEWSWATCH_DB_URL`` setting (``-s NEWSWATCH_DB_URL=...`` overrides it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from settings.durations import parse_duration
from storage import Database, open_database


class NewswatchCommand(ScrapyCommand):
    """A project command that reads or writes the newswatch database."""

    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}

    def open_database(self) -> Database:
        assert self.settings is not None
        return open_database(self.settings.get("NEWSWATCH_DB_URL"))

    @staticmethod
    def since(value: str | None, now: datetime | None = None) -> datetime | None:
        """``--since 24h`` -> the aware UTC time 24 hours ago (None when not given)."""
        if value is None:
            return None
        try:
            delta: timedelta = parse_duration(value)
        except ValueError as exc:
            raise UsageError(f"--since: {exc}", print_help=False) from None
        return (now or datetime.now(UTC)) - delta

    @staticmethod
    def positive(value: str) -> int:
        number = int(value)
        if number <= 0:
            raise argparse.ArgumentTypeError("must be a positive number")
        return number


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, or None."""
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def short_time(value: datetime | None) -> str:
    return "-" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def write_json_lines(rows: Iterable[dict[str, Any]]) -> None:
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A plain left-aligned text table; the last column is left unpadded."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    for row in [list(headers), *rows]:
        cells = [cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=False)]
        sys.stdout.write("  ".join([*cells, row[-1]]).rstrip() + "\n")
