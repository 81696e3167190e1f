"""Indexes for the programme's reads: a referrer's stats from indexes alone, and the operator's lists in order.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_referrals_referrer_id_state"), "referrals", ["referrer_id", "state"])
    op.create_index(op.f("ix_referrals_created_at_id"), "referrals", ["created_at", "id"])
    op.create_index("ix_rewards_totals", "rewards", ["user_id", "role", "currency", "state", "available_at", "amount"])
    op.create_index(op.f("ix_rewards_created_at_id"), "rewards", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_rewards_created_at_id"), table_name="rewards")
    op.drop_index("ix_rewards_totals", table_name="rewards")
    op.drop_index(op.f("ix_referrals_created_at_id"), table_name="referrals")
    op.drop_index(op.f("ix_referrals_referrer_id_state"), table_name="referrals")
