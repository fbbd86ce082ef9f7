"""Leases: a crawl claims its sources before it starts, and no two crawls hold the same source.

Runs on SQLite (``BEGIN IMMEDIATE`` serialises claims) and on PostgreSQL (``FOR UPDATE SKIP
LOCKED``) where ``NEWSWATCH_TEST_PG_URL`` is set.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from settings.sources import Source as SourceConfig
from storage import Database
from storage.models import Source
from storage.schedule import (
    claim_sources,
    due_sources,
    release_sources,
    set_next_due,
)
from tests.scheduler.conftest import T0

LEASE = timedelta(minutes=20)
NAMES = ["a", "b", "c"]


def configured(*names: str, enabled: bool = True) -> list[SourceConfig]:
    return [
        SourceConfig(name=n, feeds=(f"http://127.0.0.1:9/{n}.xml",), enabled=enabled) for n in names
    ]


def claim(db: Database, names: list[str], owner: str, now: datetime = T0) -> list[str]:
    with db.sessions.begin() as session:
        return claim_sources(session, names, owner=owner, lease=LEASE, now=now)


def leases(db: Database) -> dict[str, str | None]:
    with db.sessions.begin() as session:
        return {s.name: s.lease_owner for s in session.scalars(select(Source))}


def test_claim_creates_missing_rows_and_leases_them(db: Database) -> None:
    assert claim(db, NAMES, "run:1") == NAMES
    assert leases(db) == {"a": "run:1", "b": "run:1", "c": "run:1"}
    with db.sessions.begin() as session:
        expiries = {s.lease_expires_at for s in session.scalars(select(Source))}
    assert expiries == {T0 + LEASE}


def test_a_source_held_by_a_live_lease_is_skipped(db: Database) -> None:
    assert claim(db, ["a", "b"], "run:1") == ["a", "b"]
    assert claim(db, NAMES, "run:2") == ["c"]
    assert leases(db) == {"a": "run:1", "b": "run:1", "c": "run:2"}


def test_the_owner_renews_its_own_lease(db: Database) -> None:
    claim(db, ["a"], "run:1")
    assert claim(db, ["a"], "run:1", now=T0 + timedelta(minutes=5)) == ["a"]


def test_an_expired_lease_is_free(db: Database) -> None:
    claim(db, ["a"], "run:1")
    assert claim(db, ["a"], "run:2", now=T0 + LEASE - timedelta(seconds=1)) == []
    assert claim(db, ["a"], "run:2", now=T0 + LEASE) == ["a"]
    assert leases(db) == {"a": "run:2"}


def test_release_gives_up_only_the_owners_leases(db: Database) -> None:
    claim(db, ["a"], "run:1")
    claim(db, ["b"], "run:2")
    with db.sessions.begin() as session:
        assert release_sources(session, ["a", "b"], owner="run:1") == ["a"]
    assert leases(db) == {"a": None, "b": "run:2"}


def test_zero_lease_is_refused(db: Database) -> None:
    with db.sessions.begin() as session, pytest.raises(ValueError, match="lease"):
        claim_sources(session, ["a"], owner="x", lease=timedelta(0), now=T0)


def test_due_sources(db: Database) -> None:
    sources = configured("new", "later", "now", "leased", "expired") + configured(
        "off", enabled=False
    )
    with db.sessions.begin() as session:
        set_next_due(
            session,
            "later",
            interval=LEASE,
            succeeded=True,
            failures=0,
            now=T0 - timedelta(minutes=1),
        )
        set_next_due(session, "now", interval=LEASE, succeeded=True, failures=0, now=T0 - LEASE)
        claim_sources(session, ["leased"], owner="adhoc", lease=LEASE, now=T0)
        claim_sources(session, ["expired"], owner="dead", lease=LEASE, now=T0 - LEASE)
        # "new" has no row at all; "off" is disabled
        assert due_sources(session, sources, T0) == ["new", "now", "expired"]


def test_concurrent_claims_never_share_a_source(db: Database) -> None:
    """Several crawls claim the same sources at once: each source goes to exactly one."""
    names = [f"s{i}" for i in range(20)]
    owners = [f"run:{i}" for i in range(4)]
    start = threading.Barrier(len(owners))

    def crawl(owner: str) -> list[str]:
        start.wait()
        return claim(db, names, owner)

    with ThreadPoolExecutor(len(owners)) as pool:
        results = dict(zip(owners, pool.map(crawl, owners), strict=True))
    counts = Counter(name for claimed in results.values() for name in claimed)
    assert sorted(counts) == sorted(names)
    assert set(counts.values()) == {1}
    assert leases(db) == {name: owner for owner, claimed in results.items() for name in claimed}


@pytest.mark.postgres
def test_postgres_skips_rows_locked_by_an_open_claim(db: Database) -> None:
    """On PostgreSQL an uncommitted claim's rows are skipped at once, not waited for."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises whole transactions")
    claim(db, NAMES, "setup")
    with db.sessions.begin() as session:
        release_sources(session, NAMES, owner="setup")
    first = db.sessions()
    try:
        first.begin()
        assert claim_sources(first, ["a", "b"], owner="run:1", lease=LEASE, now=T0) == ["a", "b"]
        # run:1 has not committed: its rows are locked, and run:2 does not block on them
        assert claim(db, NAMES, "run:2") == ["c"]
        first.commit()
    finally:
        first.close()
    assert leases(db) == {"a": "run:1", "b": "run:1", "c": "run:2"}
