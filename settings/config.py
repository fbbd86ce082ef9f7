"""The application config: one frozen, typed object built once from the environment.

Reads every ``NEWSWATCH_*`` environment variable the project knows; nothing else reads
``os.environ``. A bad value raises :class:`ConfigError` naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent

T = TypeVar("T")


class ConfigError(ValueError):
    """A configuration value (environment variable or file entry) is invalid."""


@dataclass(frozen=True)
class AppConfig:
    """Everything the application reads from the environment, with its defaults."""

    db_url: str = "sqlite:///data/newswatch.db"
    sources_file: Path = PROJECT_ROOT / "settings" / "sources.toml"
    watches_file: Path = PROJECT_ROOT / "settings" / "watches.toml"
    data_dir: Path = PROJECT_ROOT / "data"
    smtp_url: str | None = field(default=None, repr=False)  # may hold a password
    smtp_password: str | None = field(default=None, repr=False)
    mail_from: str = "newswatch@localhost"
    contact_url: str = "https://github.com/newswatch/newswatch"
    log_level: str = "INFO"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def feeds_dir(self) -> Path:
        return self.data_dir / "feeds"

    @property
    def resolved_db_url(self) -> str:
        """The database URL with a relative SQLite path anchored at the project root."""
        return resolve_db_url(self.db_url)


def resolve_db_url(url: str) -> str:
    """Anchor a relative ``sqlite:///`` path at the project root, so commands work from anywhere."""
    prefix = "sqlite:///"
    if url.startswith(prefix):
        path = url[len(prefix) :]
        if path and path != ":memory:" and not path.startswith("/"):
            return prefix + str(PROJECT_ROOT / path)
    return url


def _path(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def _db_url(value: str) -> str:
    scheme = urlsplit(value).scheme.split("+")[0]
    if scheme not in {"sqlite", "postgresql", "postgres"}:
        raise ValueError(
            f"unsupported database scheme {scheme!r} (use sqlite:/// or postgresql://)"
        )
    return value


def _smtp_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ValueError("expected smtp://[user[:password]@]host[:port] or smtps://...")
    return value


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError("expected DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return level


def _get(env: Mapping[str, str], name: str, parse: Callable[[str], T], default: T) -> T:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return parse(raw.strip())
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r}: {exc}") from None


def load_config(env: Mapping[str, str] | None = None) -> AppConfig:
    """Build the config from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    base = AppConfig()
    return AppConfig(
        db_url=_get(env, "NEWSWATCH_DB_URL", _db_url, base.db_url),
        sources_file=_get(env, "NEWSWATCH_SOURCES", _path, base.sources_file),
        watches_file=_get(env, "NEWSWATCH_WATCHES", _path, base.watches_file),
        data_dir=_get(env, "NEWSWATCH_DATA_DIR", _path, base.data_dir),
        smtp_url=_get(env, "NEWSWATCH_SMTP_URL", _smtp_url, None),
        smtp_password=_get(env, "NEWSWATCH_SMTP_PASSWORD", str, None),
        mail_from=_get(env, "NEWSWATCH_MAIL_FROM", str, base.mail_from),
        contact_url=_get(env, "NEWSWATCH_CONTACT_URL", str, base.contact_url),
        log_level=_get(env, "NEWSWATCH_LOG_LEVEL", _log_level, base.log_level),
    )
