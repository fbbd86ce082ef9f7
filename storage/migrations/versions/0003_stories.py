"""stories: story clustering index (signatures, LSH bands), articles.story_id, article versions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

``articles.story_id`` is a plain indexed column, not a foreign key: SQLite can add and drop such a
column in place, while a foreign key would need a table rebuild whose DROP TABLE, with
``foreign_keys=ON``, cascades into article_urls, matches and alerts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_article_id", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stories_first_seen_at", "stories", ["first_seen_at"], unique=False)
    op.create_index("ix_stories_last_seen_at", "stories", ["last_seen_at"], unique=False)

    op.create_table(
        "article_signatures",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("shingle_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id"),
    )
    op.create_table(
        "story_bands",
        sa.Column("band_key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article_signatures.article_id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("band_key", "article_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_story_bands_article_id", "story_bands", ["article_id"], unique=False)

    op.create_table(
        "article_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "version", name="uq_article_versions_article_version"),
    )

    op.add_column("articles", sa.Column("story_id", sa.Integer(), nullable=True))
    op.create_index("ix_articles_story_id", "articles", ["story_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_articles_story_id", table_name="articles")
    op.drop_column("articles", "story_id")
    op.drop_table("article_versions")
    op.drop_index("ix_story_bands_article_id", table_name="story_bands")
    op.drop_table("story_bands")
    op.drop_table("article_signatures")
    op.drop_index("ix_stories_last_seen_at", table_name="stories")
    op.drop_index("ix_stories_first_seen_at", table_name="stories")
    op.drop_table("stories")
