"""alerts: one alert per watch, recipient and story

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("story_id", sa.Integer(), nullable=True))
    # NULL story ids (alerts queued before stories existed) never conflict with each other.
    op.create_index(
        "uq_alerts_story_once", "alerts", ["watch_id", "recipient", "story_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_alerts_story_once", table_name="alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("story_id")
