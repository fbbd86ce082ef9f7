"""Engine and session setup for SQLite (WAL, busy timeout) and PostgreSQL, plus migrations.

The database URL comes from ``settings.config.AppConfig.db_url`` (``NEWSWATCH_DB_URL``).
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.schema import Table

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


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
        # Let BEGIN take the write lock at once rather than failing on upgrade from a read lock.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


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


def migrate(engine: Engine) -> None:
    """Create a new database or upgrade an old one to the latest schema."""
    command.upgrade(alembic_config(engine), "head")


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
