"""Load and validate the source list (``settings/sources.toml`` or ``NEWSWATCH_SOURCES``).

A bad file is reported with the file, the entry and the field before any crawling starts.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from settings.config import ConfigError
from settings.durations import parse_duration

DEFAULT_INTERVAL = timedelta(minutes=30)
_SOURCE_KEYS = {"name", "feeds", "interval", "allowed_domains", "download_delay", "enabled"}
_DEFAULT_KEYS = {"interval", "download_delay"}


@dataclass(frozen=True)
class Source:
    """One news source: a name, its feed URLs and how politely to crawl it."""

    name: str
    feeds: tuple[str, ...]
    interval: timedelta = DEFAULT_INTERVAL
    allowed_domains: tuple[str, ...] = ()
    download_delay: float | None = None
    enabled: bool = True

    @property
    def domains(self) -> tuple[str, ...]:
        """Allowed article domains: the configured ones, else the feeds' hosts."""
        if self.allowed_domains:
            return self.allowed_domains
        hosts = {urlsplit(feed).hostname or "" for feed in self.feeds}
        return tuple(sorted(host for host in hosts if host))


def _where(path: Path, index: int, name: str | None, key: str) -> str:
    entry = f"source {name!r}" if name else f"source #{index + 1}"
    return f"{path}: {entry}: {key}"


def _check_url(url: object, where: str) -> str:
    if not isinstance(url, str):
        raise ConfigError(f"{where}: expected a URL string, got {url!r}")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"{where}: {url!r} is not an http(s) URL")
    return url


def _interval(value: object, where: str) -> timedelta:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return timedelta(seconds=value)
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    raise ConfigError(f"{where}: expected a duration like '15m', got {value!r}")


def _delay(value: object, where: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    raise ConfigError(f"{where}: expected a number of seconds >= 0, got {value!r}")


def _source(raw: dict[str, Any], index: int, path: Path, defaults: dict[str, Any]) -> Source:
    name = raw.get("name")

    def where(key: str) -> str:
        return _where(path, index, name if isinstance(name, str) else None, key)

    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where('name')}: a non-empty name is required")
    if not name.replace("-", "").replace("_", "").isalnum():
        raise ConfigError(f"{where('name')}: use letters, digits, '-' and '_' only")
    unknown = set(raw) - _SOURCE_KEYS
    if unknown:
        raise ConfigError(f"{where(sorted(unknown)[0])}: unknown key")
    feeds = raw.get("feeds")
    if not isinstance(feeds, list) or not feeds:
        raise ConfigError(f"{where('feeds')}: a non-empty list of feed URLs is required")
    domains = raw.get("allowed_domains", [])
    if not isinstance(domains, list) or not all(isinstance(d, str) and d for d in domains):
        raise ConfigError(f"{where('allowed_domains')}: expected a list of host names")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where('enabled')}: expected true or false")
    interval = raw.get("interval", defaults.get("interval"))
    delay = raw.get("download_delay", defaults.get("download_delay"))
    return Source(
        name=name,
        feeds=tuple(_check_url(feed, where("feeds")) for feed in feeds),
        interval=DEFAULT_INTERVAL if interval is None else _interval(interval, where("interval")),
        allowed_domains=tuple(d.lower() for d in domains),
        download_delay=None if delay is None else _delay(delay, where("download_delay")),
        enabled=enabled,
    )


def load_sources(path: Path) -> list[Source]:
    """Read, validate and return the enabled and disabled sources of ``path``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: sources file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict) or set(defaults) - _DEFAULT_KEYS:
        raise ConfigError(f"{path}: [defaults] may only hold {sorted(_DEFAULT_KEYS)}")
    if set(data) - {"defaults", "sources"}:
        raise ConfigError(
            f"{path}: unknown table {sorted(set(data) - {'defaults', 'sources'})[0]!r}"
        )
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise ConfigError(f"{path}: no [[sources]] entries")
    sources = [_source(raw, i, path, defaults) for i, raw in enumerate(raw_sources)]
    seen: set[str] = set()
    for i, source in enumerate(sources):
        if source.name in seen:
            raise ConfigError(f"{_where(path, i, source.name, 'name')}: duplicate name")
        seen.add(source.name)
    return sources
