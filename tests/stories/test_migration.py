"""Migration 0003: the story tables and ``articles.story_id`` come and go without touching data."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, select, text

from storage import Database
from storage.db import alembic_config
from storage.models import Article
from tests.stories import texts
from tests.stories.conftest import AddFn

STORY_TABLES = {"stories", "article_signatures", "story_bands", "article_versions"}


def test_downgrade_and_upgrade_keep_articles(db: Database, add: AddFn) -> None:
    article_id, _ = add(texts.PORT_PLOT)
    config = alembic_config(db.engine)

    command.downgrade(config, "0002")
    inspector = inspect(db.engine)
    assert not STORY_TABLES & set(inspector.get_table_names())
    assert "story_id" not in {c["name"] for c in inspector.get_columns("articles")}
    with db.engine.connect() as connection:
        assert connection.execute(select(Article.id)).scalars().all() == [article_id]

    command.upgrade(config, "head")
    inspector = inspect(db.engine)
    assert set(inspector.get_table_names()) >= STORY_TABLES
    assert "ix_articles_story_id" in {i["name"] for i in inspector.get_indexes("articles")}
    with db.engine.connect() as connection:
        story_ids = connection.execute(text("SELECT story_id FROM articles")).scalars().all()
        assert story_ids == [None]
