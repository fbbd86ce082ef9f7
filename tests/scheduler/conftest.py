"""Fixtures for the scheduler tests: a sources file, a manual clock, a job context, the
environment of a scheduler process. The databases (``db_url``, ``db``: SQLite, and PostgreSQL
where ``NEWSWATCH_TEST_PG_URL`` is set) come from ``tests/conftest.py``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alerts.outbox import DeliveryReport
from jobs.clock import ManualClock
from jobs.context import JobContext, SourceList
from jobs.process import CrawlLauncher, SubprocessCrawl
from settings.config import PROJECT_ROOT, AppConfig
from storage import Database

FAKE_CRAWL = Path(__file__).resolve().parent / "fake_crawl.py"
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

SOURCES_TOML = """
[defaults]
interval = "30m"

[[sources]]
name = "fast"
feeds = ["http://127.0.0.1:9/fast.xml"]
interval = "15m"

[[sources]]
name = "slow"
feeds = ["http://127.0.0.1:9/slow.xml"]
interval = "1h"

[[sources]]
name = "off"
feeds = ["http://127.0.0.1:9/off.xml"]
enabled = false
"""


@pytest.fixture
def sources_file(tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(SOURCES_TOML, encoding="utf-8")
    return path


@pytest.fixture
def config(tmp_path: Path, db_url: str, sources_file: Path) -> AppConfig:
    return AppConfig(db_url=db_url, sources_file=sources_file, data_dir=tmp_path / "data")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, config: AppConfig, tmp_path: Path) -> dict[str, str]:
    """The environment a scheduler (and the crawls it starts) sees: this test's database."""
    values = {
        "NEWSWATCH_DB_URL": config.db_url,
        "NEWSWATCH_SOURCES": str(config.sources_file),
        "NEWSWATCH_DATA_DIR": str(config.data_dir),
        "NEWSWATCH_LOG_LEVEL": "INFO",
        "FAKE_CRAWL_DIR": str(tmp_path),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return {**os.environ, **values}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


def fake_command(mode: str) -> tuple[str, ...]:
    if mode == "stubborn":
        # ignore SIGTERM from the first instruction on: an ignored signal survives exec
        start = (
            "import os, signal, sys; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
        )
        return (sys.executable, "-c", start, str(FAKE_CRAWL), mode)
    return (sys.executable, str(FAKE_CRAWL), mode)


def subprocess_launcher(mode: str, config: AppConfig) -> SubprocessCrawl:
    return SubprocessCrawl(
        command=fake_command(mode),
        cwd=PROJECT_ROOT,
        log_dir=config.data_dir / "logs",
    )


class NoAlerts:
    """A Deliver that sends nothing and records the times it was called with."""

    def __init__(self) -> None:
        self.calls: list[datetime] = []

    def __call__(self, db: Database, config: AppConfig, now: datetime) -> DeliveryReport:
        self.calls.append(now)
        return DeliveryReport()


@pytest.fixture
def make_context(db: Database, config: AppConfig, sources_file: Path) -> Callable[..., JobContext]:
    def build(launcher: CrawlLauncher, **kwargs: object) -> JobContext:
        return JobContext(
            db=db,
            config=config,
            sources=SourceList(sources_file),
            launcher=launcher,
            deliver=kwargs.pop("deliver", NoAlerts()),  # type: ignore[arg-type]
            **kwargs,  # type: ignore[arg-type]
        )

    return build
