"""Referrers' tallies: referrals by state, and rewards as referrer by currency and state, kept as they change.

Filled from the referrals and rewards stored now. The covering index of a referrer's reward sums gives way to one
that finds, for each referrer, the rewards still stored as pending past their hold (the stats read those).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REFERRAL_STATES = ("pending", "flagged", "qualified", "voided")
_REWARD_STATES = ("pending", "available", "redeemed", "voided")


_referrals = sa.table("referrals", sa.column("referrer_id", sa.Uuid()), sa.column("state", sa.String()))
_rewards = sa.table(
    "rewards",
    sa.column("user_id", sa.Uuid()),
    sa.column("role", sa.String()),
    sa.column("currency", sa.String()),
    sa.column("state", sa.String()),
    sa.column("amount", sa.BigInteger()),
)


def _sum_in(state_column: sa.ColumnClause[str], state: str, amount: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((state_column == state, amount), else_=0)), 0)


def upgrade() -> None:
    op.create_table(
        "referrer_tallies",
        sa.Column("referrer_id", sa.Uuid(), nullable=False),
        *(sa.Column(state, sa.Integer(), server_default="0", nullable=False) for state in _REFERRAL_STATES),
        sa.ForeignKeyConstraint(["referrer_id"], ["users.id"], name=op.f("fk_referrer_tallies_referrer_id_users")),
        sa.PrimaryKeyConstraint("referrer_id", name=op.f("pk_referrer_tallies")),
    )
    op.create_table(
        "referrer_reward_tallies",
        sa.Column("referrer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=16), nullable=False),
        *(sa.Column(state, sa.BigInteger(), server_default="0", nullable=False) for state in _REWARD_STATES),
        sa.ForeignKeyConstraint(
            ["referrer_id"], ["users.id"], name=op.f("fk_referrer_reward_tallies_referrer_id_users")
        ),
        sa.PrimaryKeyConstraint("referrer_id", "currency", name=op.f("pk_referrer_reward_tallies")),
    )
    tallies = sa.table("referrer_tallies", *(sa.column(name) for name in ("referrer_id", *_REFERRAL_STATES)))
    by_referrer = sa.select(
        _referrals.c.referrer_id, *(_sum_in(_referrals.c.state, state, sa.literal(1)) for state in _REFERRAL_STATES)
    ).group_by(_referrals.c.referrer_id)
    op.execute(tallies.insert().from_select(["referrer_id", *_REFERRAL_STATES], by_referrer))
    reward_columns = ("referrer_id", "currency", *_REWARD_STATES)
    reward_tallies = sa.table("referrer_reward_tallies", *(sa.column(name) for name in reward_columns))
    by_currency = (
        sa.select(
            _rewards.c.user_id,
            _rewards.c.currency,
            *(_sum_in(_rewards.c.state, state, _rewards.c.amount) for state in _REWARD_STATES),
        )
        .where(_rewards.c.role == "referrer")
        .group_by(_rewards.c.user_id, _rewards.c.currency)
    )
    op.execute(reward_tallies.insert().from_select(list(reward_columns), by_currency))
    op.drop_index("ix_rewards_totals", table_name="rewards")
    op.create_index(
        "ix_rewards_unrecorded_holds", "rewards", ["user_id", "role", "state", "available_at", "currency", "amount"]
    )


def downgrade() -> None:
    op.drop_index("ix_rewards_unrecorded_holds", table_name="rewards")
    op.create_index("ix_rewards_totals", "rewards", ["user_id", "role", "currency", "state", "available_at", "amount"])
    op.drop_table("referrer_reward_tallies")
    op.drop_table("referrer_tallies")
