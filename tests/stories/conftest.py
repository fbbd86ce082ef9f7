"""Helpers for the story tests: store an article (with its source) and assign it to a story.

The database fixtures ``db_url`` and ``db`` (SQLite, and PostgreSQL where
``NEWSWATCH_TEST_PG_URL`` is set) come from ``tests/conftest.py``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage import Database
from storage.models import Article, Source
from stories.cluster import StoryAssignment, assign_story
from tests.stories.texts import Text

T0 = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC)

_urls = itertools.count(1)


def source_id(session: Session, name: str) -> int:
    found = session.scalar(select(Source.id).where(Source.name == name))
    if found is not None:
        return found
    created: int = session.execute(
        insert(Source).values(name=name).returning(Source.id)
    ).scalar_one()
    return created


def store_article(
    session: Session, text: Text, *, source: str = "wire-a", seen: dt.datetime = T0
) -> int:
    """Insert an article row as the pipeline would; returns its id."""
    url = f"https://{source}.example/news/{next(_urls)}"
    article_id: int = session.execute(
        insert(Article)
        .values(
            source_id=source_id(session, source),
            url=url,
            canonical_url=url,
            title=text.title,
            body=text.body,
            body_origin="page",
            first_seen_at=seen,
        )
        .returning(Article.id)
    ).scalar_one()
    return article_id


AddFn = Callable[..., tuple[int, StoryAssignment]]


@pytest.fixture
def add(db: Database) -> AddFn:
    """Store one article and assign it, in its own transaction; returns (article id, result)."""
    minutes = itertools.count()

    def add(
        text: Text, source: str = "wire-a", seen: dt.datetime | None = None
    ) -> tuple[int, StoryAssignment]:
        when = seen or T0 + dt.timedelta(minutes=next(minutes))
        with db.sessions.begin() as session:
            article_id = store_article(session, text, source=source, seen=when)
            result = assign_story(
                session, article_id=article_id, title=text.title, body=text.body, first_seen_at=when
            )
        return article_id, result

    return add
