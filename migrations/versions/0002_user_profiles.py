"""Profile columns on users, filled by the optional enrichment integration.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_COLUMNS = ("profile_full_name", "profile_company", "profile_title", "profile_location", "profile_avatar_url")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        for name in TEXT_COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("profile_enriched_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("profile_source", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        for name in (*TEXT_COLUMNS, "profile_enriched_at", "profile_source"):
            batch.drop_column(name)
