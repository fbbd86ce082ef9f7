"""Storage: the only package that knows SQL. ``open_database`` migrates and hands out sessions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, make_sessionmaker, migrate, read_only_engine


@dataclass(frozen=True)
class Database:
    """``sessions`` for work that writes; ``reads`` for work that only reads (commands, lists):
    on SQLite a read never takes the write lock, so it neither waits on a crawl nor stalls one."""

    engine: Engine
    sessions: sessionmaker[Session]
    reads: sessionmaker[Session]

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, upgrade: bool = True) -> Database:
    """Connect to ``url``, migrate the schema to the latest version, return engine and sessions."""
    engine = make_engine(url)
    if upgrade:
        migrate(engine)
    return Database(
        engine=engine,
        sessions=make_sessionmaker(engine),
        reads=make_sessionmaker(read_only_engine(engine)),
    )
