"""Engine and session setup for SQLite (WAL, busy timeout) and PostgreSQL, plus migrations.

Writers begin ``BEGIN IMMEDIATE`` on SQLite; read-only sessions (``read_only_engine``) begin a
deferred transaction, so under WAL a reader never takes the write lock and never waits on a
writer. Migrations run under a lock (a file lock beside the SQLite file, an advisory lock on
PostgreSQL): a second process waits for the first's upgrade instead of failing.
The database URL comes from ``settings.config.AppConfig.db_url`` (``NEWSWATCH_DB_URL``).
"""

from __future__ import annotations

import fcntl
import functools
import logging
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.schema import Table

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "newswatch_read_only"  # execution option of read-only engines
# PostgreSQL advisory lock key taken while migrating ("newswatch" in ASCII, as an int8).
MIGRATION_LOCK_KEY = 0x6E6577737761


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys on every connection."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def _sqlite_begin(conn: Connection) -> None:
    # A writer takes the write lock at once rather than failing on upgrade from a read lock; a
    # reader's deferred BEGIN reads a WAL snapshot and takes no lock that a writer waits on.
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def read_only_engine(engine: Engine) -> Engine:
    """The same pool, for sessions that only read (deferred on SQLite, READ ONLY on PostgreSQL)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(**{READ_ONLY: True}, postgresql_readonly=True)
    return engine.execution_options(**{READ_ONLY: True})


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # Autocommit at the driver level; SQLAlchemy's "begin" event issues BEGIN IMMEDIATE itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def _current_heads(engine: Engine) -> set[str]:
    with read_only_engine(engine).connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def migrate(engine: Engine) -> None:
    """Create a new database or upgrade an old one to the latest schema.

    An up-to-date database is only read. An upgrade runs under the migration lock and says so:
    a one-time re-index can take minutes, and other processes wait for it rather than fail.
    """
    config = alembic_config(engine)
    heads = set(ScriptDirectory.from_config(config).get_heads())
    if _current_heads(engine) == heads:
        return
    with _migration_lock(engine):
        current = _current_heads(engine)
        if current == heads:
            return
        # A new database is only created; an old one may hold data that a migration rewrites.
        log = logger.warning if current else logger.info
        log(
            "upgrading the database schema from %s to %s; other newswatch processes wait "
            "until it is done",
            ", ".join(sorted(current)) or "an empty database",
            ", ".join(sorted(heads)),
        )
        started = time.monotonic()
        command.upgrade(config, "head")
        log("database schema upgraded in %.1fs", time.monotonic() - started)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise migrations across processes; log when another process holds the lock."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            ).scalar()
            if not got:
                logger.warning("waiting for another process to finish upgrading the database")
                connection.execute(
                    text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.warning("waiting for another process to finish upgrading the database")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@functools.cache
def _insert_ignore_statement(dialect: str, table: Table, returning: tuple[str, ...]) -> Any:
    # Built once per table: the per-row cost is then only the parameters (a hot path).
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing().returning(*(table.c[name] for name in returning))


def insert_ignore(
    session: Session,
    table: Table,
    values: Mapping[str, Any],
    returning: Sequence[str] = ("id",),
) -> Any | None:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING``: the new row's key, or None if it existed."""
    statement = _insert_ignore_statement(session.get_bind().dialect.name, table, tuple(returning))
    row = session.execute(statement, dict(values)).first()
    if row is None:
        return None
    return row[0] if len(returning) == 1 else tuple(row)
