"""Shared fixtures: databases (SQLite always, PostgreSQL where NEWSWATCH_TEST_PG_URL is set)."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from storage import Database, open_database

PG_URL = os.environ.get("NEWSWATCH_TEST_PG_URL", "")
PG_SKIP_REASON = "NEWSWATCH_TEST_PG_URL is not set: PostgreSQL tests SKIPPED (CI sets it)"


def pytest_report_header(config: pytest.Config) -> str:
    if PG_URL:
        shown = make_url(PG_URL).render_as_string(hide_password=True)
        return f"newswatch: PostgreSQL tests ON ({shown})"
    return f"newswatch: {PG_SKIP_REASON}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not PG_URL:
        terminalreporter.write_line(f"WARNING: {PG_SKIP_REASON}", yellow=True, bold=True)


def _admin_url() -> str:
    return (
        make_url(PG_URL).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    )


def create_pg_database() -> str:
    """A fresh, empty PostgreSQL database; returns its URL (drop it with drop_pg_database)."""
    name = f"newswatch_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    engine = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for an empty database, on SQLite and (when configured) PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'newswatch.db'}"
        return
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """An open, migrated database on each backend."""
    database = open_database(db_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture(autouse=True)
def _no_scrapy_state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Scrapy's remote-control extension is off in settings; keep HOME-based state out anyway.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    warnings.filterwarnings("default", category=ResourceWarning)
