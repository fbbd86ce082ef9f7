"""Readers and writers: reads never take SQLite's write lock; migrations wait for each other."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

import storage.db
from storage import Database, open_database
from storage.db import _migration_lock, make_engine
from storage.models import Source

ROOT = Path(__file__).resolve().parents[2]

OPEN_AND_MIGRATE = """
import logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(message)s")
from storage import open_database
open_database(sys.argv[1]).dispose()
print("migrated")
"""


def _short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    # A writer or reader that has to wait for the lock fails within half a second, not 30 s.
    monkeypatch.setattr(storage.db, "SQLITE_BUSY_TIMEOUT_MS", 500)


def _sources(db: Database) -> int:
    with db.reads() as session:
        return session.scalar(select(func.count()).select_from(Source)) or 0


def test_an_open_read_does_not_hold_up_a_writer(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _short_busy_timeout(monkeypatch)
    reader = open_database(db_url)
    writer = open_database(db_url, upgrade=False)
    try:
        with reader.reads() as session:
            assert session.scalar(select(func.count()).select_from(Source)) == 0
            # The read transaction is still open: the writer must not wait for it.
            with writer.sessions.begin() as write:
                write.add(Source(name="alpha"))
            if reader.engine.dialect.name == "sqlite":
                # WAL: the reader keeps its snapshot until its transaction ends.
                assert session.scalar(select(func.count()).select_from(Source)) == 0
        assert _sources(reader) == 1
    finally:
        reader.dispose()
        writer.dispose()


def test_a_read_does_not_wait_for_an_open_write(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _short_busy_timeout(monkeypatch)
    writer = open_database(db_url)
    reader = open_database(db_url, upgrade=False)
    try:
        with writer.sessions.begin() as write:
            write.add(Source(name="alpha"))
            write.flush()
            # The write transaction holds the write lock; a read goes on without it.
            started = time.monotonic()
            assert _sources(reader) == 0
            assert time.monotonic() - started < 5  # a lock wait would be an error, not slow
        assert _sources(reader) == 1
    finally:
        reader.dispose()
        writer.dispose()


def test_writes_still_take_the_write_lock_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two writers: the second waits for the first (and here, with a short timeout, gives up),
    # rather than both reading and one failing on upgrade to a write lock.
    _short_busy_timeout(monkeypatch)
    url = f"sqlite:///{tmp_path / 'nw.db'}"
    first = open_database(url)
    second = open_database(url, upgrade=False)
    try:
        with first.sessions.begin() as write:
            write.add(Source(name="alpha"))
            write.flush()
            with pytest.raises(DBAPIError, match="locked"), second.sessions.begin() as other:
                other.execute(select(func.count()).select_from(Source)).scalar()
    finally:
        first.dispose()
        second.dispose()


@pytest.mark.postgres
def test_postgres_read_sessions_are_read_only(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no read-only transactions")
    with pytest.raises(DBAPIError, match="read-only"), db.reads() as session:
        session.add(Source(name="alpha"))
        session.flush()


def _migrate_in_subprocess(url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", OPEN_AND_MIGRATE, url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_migration_waits_for_another_and_says_so(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with _migration_lock(engine):
            child = _migrate_in_subprocess(db_url)
            assert child.stderr is not None
            waiting = ""
            deadline = time.monotonic() + 60
            while "waiting for another process" not in waiting and time.monotonic() < deadline:
                line = child.stderr.readline()
                if not line:
                    break
                waiting += line
            assert "waiting for another process to finish upgrading the database" in waiting
            assert child.poll() is None  # still waiting while the lock is held
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        assert out.strip() == "migrated"
        assert "upgrading the database schema from an empty database" in err
    finally:
        engine.dispose()
    database = open_database(db_url)
    database.dispose()


def test_an_up_to_date_database_needs_no_migration_lock(db_url: str) -> None:
    open_database(db_url).dispose()
    engine = make_engine(db_url)
    try:
        with _migration_lock(engine):
            # Would wait for the lock (and time out) if it upgraded instead of only reading.
            child = _migrate_in_subprocess(db_url)
            out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        assert out.strip() == "migrated"
        assert "upgrading" not in err
    finally:
        engine.dispose()


def test_two_processes_creating_one_database_both_succeed(db_url: str) -> None:
    children = [_migrate_in_subprocess(db_url) for _ in range(2)]
    results = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0, 0], results
    database = open_database(db_url)
    try:
        assert _sources(database) == 0
    finally:
        database.dispose()
