"""Article versions: a changed text is stored beside the old one, an unchanged one is not."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from storage import Database
from storage.story_models import ArticleVersion
from storage.versions import content_hash, latest_version, record_version
from tests.stories import texts
from tests.stories.conftest import T0, store_article

UPDATED = T0 + dt.timedelta(hours=2)


@pytest.fixture
def article_id(db: Database) -> int:
    with db.sessions.begin() as session:
        return store_article(session, texts.PORT_PLOT)


def versions(db: Database, article_id: int) -> list[ArticleVersion]:
    with db.sessions() as session:
        return list(
            session.scalars(
                select(ArticleVersion)
                .where(ArticleVersion.article_id == article_id)
                .order_by(ArticleVersion.version)
            )
        )


def record(
    db: Database, article_id: int, title: str, body: str, updated: dt.datetime
) -> int | None:
    with db.sessions.begin() as session:
        return record_version(session, article_id, title, body, updated)


def test_the_same_text_is_not_a_new_version(db: Database, article_id: int) -> None:
    assert record(db, article_id, texts.PORT_PLOT.title, texts.PORT_PLOT.body, T0) is None
    # A new `updated` time alone, or text merely reflowed, is no change either.
    reflowed = texts.PORT_PLOT.body.replace(" ", "  ").replace("\n\n", "\n")
    assert record(db, article_id, texts.PORT_PLOT.title, reflowed, UPDATED) is None
    assert versions(db, article_id) == []


def test_a_changed_text_is_stored_beside_the_original(db: Database, article_id: int) -> None:
    changed = texts.PORT_PLOT_ADDED_PARAGRAPH
    assert record(db, article_id, texts.PORT_PLOT.title, changed.body, UPDATED) == 2
    stored = versions(db, article_id)
    assert [v.version for v in stored] == [1, 2]
    original, update = stored
    assert original.body == texts.PORT_PLOT.body
    assert original.title == texts.PORT_PLOT.title
    assert original.stored_at == T0
    assert original.content_hash == content_hash(texts.PORT_PLOT.title, texts.PORT_PLOT.body)
    assert update.body == changed.body
    assert update.updated_at == UPDATED
    assert update.content_hash == content_hash(texts.PORT_PLOT.title, changed.body)


def test_each_further_change_adds_one_version(db: Database, article_id: int) -> None:
    title, added = texts.PORT_PLOT.title, texts.PORT_PLOT_ADDED_PARAGRAPH.body
    assert record(db, article_id, title, added, UPDATED) == 2
    assert record(db, article_id, title, added, UPDATED + dt.timedelta(hours=1)) is None
    # A new headline on the same body is a change.
    assert record(db, article_id, "Rotterdam plot: three held", added, UPDATED) == 3
    # Going back to the original text is a change too, relative to the latest version.
    assert record(db, article_id, title, texts.PORT_PLOT.body, UPDATED) == 4
    with db.sessions() as session:
        latest = latest_version(session, article_id)
        assert latest is not None and latest.version == 4


def test_unknown_article(db: Database) -> None:
    with db.sessions.begin() as session, pytest.raises(LookupError, match="article 999"):
        record_version(session, 999, "t", "b", None)


def test_concurrent_updates_get_distinct_version_numbers(db: Database, article_id: int) -> None:
    bodies = [texts.PORT_PLOT_ADDED_PARAGRAPH.body, texts.PORT_PLOT_EDITED.body]
    start = threading.Barrier(len(bodies))

    def update(body: str) -> int | None:
        with db.sessions.begin() as session:
            start.wait()
            return record_version(session, article_id, texts.PORT_PLOT.title, body, UPDATED)

    with ThreadPoolExecutor(len(bodies)) as pool:
        numbers = sorted(n for n in pool.map(update, bodies) if n is not None)
    assert numbers == [2, 3]
    assert [v.version for v in versions(db, article_id)] == [1, 2, 3]
