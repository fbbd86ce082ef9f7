"""Several crawl processes assigning copies of one story at the same time end with one story.

On PostgreSQL the band-key advisory locks serialise the assignments; on SQLite ``BEGIN
IMMEDIATE`` does. Threads with their own connections stand in for the processes.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import combinations

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

import storage.stories
from storage import Database
from storage.story_models import Story
from stories.cluster import StoryAssignment, assign_story
from stories.minhash import article_shingles, band_keys, sign
from tests.stories import texts
from tests.stories.conftest import T0, source_id, store_article

COPIES = [texts.PORT_PLOT, *texts.COPIES]
SITES = ["wire-a", "site-b", "site-c", "site-d"]
LOCK_WAIT_DEADLINE_S = 60.0


def _keys(text_: texts.Text) -> set[int]:
    return set(band_keys(sign(article_shingles(text_.title, text_.body))))


def test_every_pair_of_copies_shares_a_band_key() -> None:
    # The precondition of the tests below: pairs that share no key are not serialised, and
    # need not be (they cannot see each other as candidates in any order).
    for a, b in combinations(COPIES, 2):
        assert _keys(a) & _keys(b), (a.title, b.title)


def _create_sources(db: Database) -> None:
    with db.sessions.begin() as session:
        for site in SITES:
            source_id(session, site)


def _assign(session: Session, copy: texts.Text, site: str) -> StoryAssignment:
    article_id = store_article(session, copy, source=site)
    return assign_story(
        session, article_id=article_id, title=copy.title, body=copy.body, first_seen_at=T0
    )


def _story_count(db: Database) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(Story)) or 0


def test_copies_assigned_at_once_end_in_one_story(db: Database) -> None:
    _create_sources(db)
    start = threading.Barrier(len(COPIES))

    def work(index: int) -> StoryAssignment:
        start.wait()
        with db.sessions.begin() as session:
            return _assign(session, COPIES[index], SITES[index])

    with ThreadPoolExecutor(len(COPIES)) as pool:
        results = list(pool.map(work, range(len(COPIES))))

    assert len({r.story_id for r in results}) == 1
    assert sum(r.is_new_story for r in results) == 1
    assert _story_count(db) == 1
    with db.sessions() as session:
        assert session.scalar(select(Story.size)) == len(COPIES)


def _wait_for_advisory_lock_wait(db: Database) -> None:
    """Block until some session waits on an advisory lock in this database."""
    query = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    deadline = time.monotonic() + LOCK_WAIT_DEADLINE_S
    with db.engine.connect() as connection:
        while not connection.execute(query).scalar():
            if time.monotonic() > deadline:
                pytest.fail("the second assignment never waited on a band-key lock")
            time.sleep(0.01)
            connection.rollback()


def _race(db: Database, *, second_waits: bool) -> tuple[StoryAssignment, StoryAssignment]:
    """The first assignment stays uncommitted while the second one runs, then commits."""
    _create_sources(db)
    first_assigned = threading.Event()
    second_done = threading.Event()

    def first() -> StoryAssignment:
        with db.sessions.begin() as session:
            result = _assign(session, texts.PORT_PLOT, "wire-a")
            first_assigned.set()
            if second_waits:
                _wait_for_advisory_lock_wait(db)
            else:
                second_done.wait(LOCK_WAIT_DEADLINE_S)
        return result

    def second() -> StoryAssignment:
        first_assigned.wait(LOCK_WAIT_DEADLINE_S)
        try:
            with db.sessions.begin() as session:
                return _assign(session, texts.PORT_PLOT_ADDED_PARAGRAPH, "site-b")
        finally:
            second_done.set()

    with ThreadPoolExecutor(2) as pool:
        first_future, second_future = pool.submit(first), pool.submit(second)
        return first_future.result(), second_future.result()


@pytest.mark.postgres
def test_a_copy_waits_for_the_uncommitted_original_and_joins_it(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite serialises whole transactions")
    first, second = _race(db, second_waits=True)
    assert first.is_new_story
    assert not second.is_new_story
    assert second.story_id == first.story_id
    assert _story_count(db) == 1


@pytest.mark.postgres
def test_without_the_lock_the_race_makes_two_stories(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The control: shows that the test above exercises a real race.
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the race needs concurrent writers (PostgreSQL)")
    monkeypatch.setattr("stories.cluster.lock_band_keys", lambda session, keys: None)
    first, second = _race(db, second_waits=False)
    assert first.is_new_story and second.is_new_story
    assert _story_count(db) == 2


def test_lock_is_a_no_op_on_sqlite() -> None:
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        storage.stories.lock_band_keys(session, [1, 2, 3])
    engine.dispose()
