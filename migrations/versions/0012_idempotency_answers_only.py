"""Idempotency keys hold answers only: a request no longer claims its key in the database before its work.

The claims an earlier release left (rows without an answer) are deleted: their requests were never answered,
so a retry runs afresh, as it would have once the claim lapsed.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ANSWER = (("status", sa.Integer()), ("media_type", sa.String(64)), ("headers", sa.Text()), ("body", sa.LargeBinary()))


def upgrade() -> None:
    op.execute("DELETE FROM idempotency_keys WHERE status IS NULL")
    with op.batch_alter_table("idempotency_keys") as table:
        table.drop_column("claimed_until")
        for name, type_ in _ANSWER:
            table.alter_column(name, existing_type=type_, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as table:
        table.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        for name, type_ in _ANSWER:
            table.alter_column(name, existing_type=type_, nullable=True)
