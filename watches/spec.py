"""Load the watches file (``settings/watches.toml``, or the file ``NEWSWATCH_WATCHES`` names).

Every error names the file, the watch and the field, so a bad file stops a run before it crawls.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from watches.query import Node, QuerySyntaxError, parse

_WATCH_KEYS = {"name", "query", "recipients", "digest", "channels"}
_DIGEST_KEYS = {"at", "timezone", "every"}
_ADDRESS = re.compile(
    r"[^@\s<>,;:\"()\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
_CHANNEL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_EVERY = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class WatchConfigError(ValueError):
    """The watches file is unreadable or invalid; the message says where and why."""


@dataclass(frozen=True)
class Delivery:
    """When a watch's alerts go out: at once, or gathered into digests at fixed times."""

    mode: Literal["immediate", "digest"] = "immediate"
    at: tuple[time, ...] = ()  # local clock times of a daily digest, sorted
    timezone: str = "UTC"  # the zone of ``at``
    every: timedelta | None = None  # or a digest every interval, counted from 1970-01-01 UTC

    def __post_init__(self) -> None:
        if self.mode == "immediate" and (self.at or self.every):
            raise ValueError("an immediate delivery has no digest times")
        if self.mode == "digest" and bool(self.at) == (self.every is not None):
            raise ValueError("a digest needs either clock times or an interval")
        if self.every is not None and self.every < timedelta(minutes=1):
            raise ValueError("a digest interval must be at least one minute")
        ZoneInfo(self.timezone)

    def next_after(self, moment: datetime) -> datetime:
        """The first delivery time strictly after ``moment`` (aware), in UTC; immediate: now."""
        if moment.tzinfo is None:
            raise ValueError("next_after needs an aware datetime")
        moment = moment.astimezone(UTC)
        if self.mode == "immediate":
            return moment
        if self.every is not None:
            return _EPOCH + (moment - _EPOCH) // self.every * self.every + self.every
        zone = ZoneInfo(self.timezone)
        today = moment.astimezone(zone).date()
        return min(
            due
            for days in range(3)  # today, tomorrow, and a spare day for clock changes
            for clock in self.at
            if (due := datetime.combine(today + timedelta(days=days), clock, zone).astimezone(UTC))
            > moment
        )


@dataclass(frozen=True)
class Watch:
    """What an analyst watches for, and who hears about it."""

    name: str
    query: str
    parsed: Node
    recipients: tuple[str, ...] = ()
    delivery: Delivery = field(default_factory=Delivery)
    channels: tuple[str, ...] = ()  # optional Apprise URLs

    @classmethod
    def from_query(cls, name: str, query: str, **options: Any) -> Watch:
        """A watch whose query is parsed here (raises ``QuerySyntaxError``)."""
        return cls(name, query, parse(query), **options)


def load_watches(path: Path) -> list[Watch]:
    """Read and validate ``path``; raises ``WatchConfigError`` at the first problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WatchConfigError(f"{path}: cannot read the watches file: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WatchConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"watches"})
    if unknown:
        raise WatchConfigError(f"{path}: unknown top-level key {unknown[0]!r}; use [[watches]]")
    tables = data.get("watches")
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise WatchConfigError(f"{path}: expected [[watches]] tables")
    watches: list[Watch] = []
    for index, table in enumerate(tables):
        watch = _watch(table, _Where(path, index, table.get("name")))
        if any(other.name == watch.name for other in watches):
            raise WatchConfigError(f"{_Where(path, index, watch.name)('name')}: used twice")
        watches.append(watch)
    return watches


@dataclass(frozen=True)
class _Where:
    path: Path
    index: int
    name: object

    def __call__(self, key: str) -> str:
        named = f" {self.name!r}" if isinstance(self.name, str) and self.name.strip() else ""
        return f"{self.path}: watch #{self.index + 1}{named}: {key}"


def _watch(table: dict[str, Any], where: _Where) -> Watch:
    unknown = sorted(set(table) - _WATCH_KEYS)
    if unknown:
        raise WatchConfigError(f"{where(unknown[0])}: unknown key (expected {_keys(_WATCH_KEYS)})")
    name = table.get("name")
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise WatchConfigError(f"{where('name')}: a non-empty name without outer spaces is needed")
    if not name.isprintable():
        raise WatchConfigError(f"{where('name')}: {name!r} has control characters")
    query = table.get("query")
    if not isinstance(query, str):
        raise WatchConfigError(f"{where('query')}: a query string is needed")
    try:
        parsed = parse(query)
    except QuerySyntaxError as exc:
        raise WatchConfigError(f"{where('query')}: {exc}") from None
    return Watch(
        name=name,
        query=query,
        parsed=parsed,
        recipients=_strings(table, "recipients", _ADDRESS, "an e-mail address", where),
        delivery=_delivery(table.get("digest"), where),
        channels=_strings(table, "channels", _CHANNEL, "an Apprise URL (scheme://...)", where),
    )


def _keys(keys: set[str]) -> str:
    return ", ".join(sorted(keys))


def _strings(
    table: dict[str, Any], key: str, pattern: re.Pattern[str], what: str, where: _Where
) -> tuple[str, ...]:
    values = table.get(key, [])
    if not isinstance(values, list):
        raise WatchConfigError(f"{where(key)}: expected a list of strings")
    seen: set[str] = set()
    for value in values:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise WatchConfigError(f"{where(key)}: {value!r} is not {what}")
        if value.lower() in seen:
            raise WatchConfigError(f"{where(key)}: {value!r} is listed twice")
        seen.add(value.lower())
    return tuple(values)


def _delivery(digest: object, where: _Where) -> Delivery:
    if digest is None:
        return Delivery()
    if not isinstance(digest, dict):
        raise WatchConfigError(f"{where('digest')}: expected a table such as {{ every = '4h' }}")
    unknown = sorted(set(digest) - _DIGEST_KEYS)
    if unknown:
        raise WatchConfigError(
            f"{where('digest.' + unknown[0])}: unknown key (expected {_keys(_DIGEST_KEYS)})"
        )
    if ("at" in digest) == ("every" in digest):
        raise WatchConfigError(f"{where('digest')}: give either 'at' (clock times) or 'every'")
    if "every" in digest:
        if "timezone" in digest:
            raise WatchConfigError(f"{where('digest.timezone')}: only applies to 'at'")
        return Delivery("digest", every=_every(digest["every"], where))
    timezone = digest.get("timezone", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise WatchConfigError(
            f"{where('digest.timezone')}: {timezone!r} is not a time zone like 'Asia/Karachi'"
        ) from None
    return Delivery("digest", at=_clock_times(digest["at"], where), timezone=timezone)


def _clock_times(values: object, where: _Where) -> tuple[time, ...]:
    if not isinstance(values, list) or not values:
        raise WatchConfigError(f"{where('digest.at')}: expected a list such as ['08:00', '17:30']")
    times: set[time] = set()
    for value in values:
        found = _CLOCK.fullmatch(value) if isinstance(value, str) else None
        if not found:
            raise WatchConfigError(f"{where('digest.at')}: {value!r} is not a time like '08:00'")
        clock = time(int(found.group(1)), int(found.group(2)))
        if clock in times:
            raise WatchConfigError(f"{where('digest.at')}: {value!r} is listed twice")
        times.add(clock)
    return tuple(sorted(times))


def _every(value: object, where: _Where) -> timedelta:
    found = _EVERY.fullmatch(value) if isinstance(value, str) and value else None
    if not found:
        raise WatchConfigError(
            f"{where('digest.every')}: {value!r} is not an interval like '30m', '4h' or '1d'"
        )
    days, hours, minutes = (int(part or 0) for part in found.groups())
    interval = timedelta(days=days, hours=hours, minutes=minutes)
    if interval < timedelta(minutes=1):
        raise WatchConfigError(f"{where('digest.every')}: must be at least one minute")
    return interval
