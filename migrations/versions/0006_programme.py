"""The referral programme: referrals with a lifecycle, programme versions, conversions and rewards.

Every user who registered with a code becomes a pending referral, dated by their registration.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referrer_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("qualified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.String(length=16), nullable=True),
        sa.Column("void_note", sa.String(length=500), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'qualified', 'voided')", name=op.f("ck_referrals_known_state")),
        sa.CheckConstraint(
            "void_reason IS NULL OR void_reason IN ('fraud', 'refund', 'duplicate', 'other')",
            name=op.f("ck_referrals_known_void_reason"),
        ),
        sa.CheckConstraint("referrer_id <> id", name=op.f("ck_referrals_not_self_referral")),
        sa.ForeignKeyConstraint(["id"], ["users.id"], name=op.f("fk_referrals_id_users")),
        sa.ForeignKeyConstraint(["referrer_id"], ["users.id"], name=op.f("fk_referrals_referrer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    op.create_index(op.f("ix_referrals_referrer_id_created_at"), "referrals", ["referrer_id", "created_at"])
    op.create_index(op.f("ix_referrals_state_created_at"), "referrals", ["state", "created_at"])
    op.execute(
        "INSERT INTO referrals (id, referrer_id, state, created_at) "
        "SELECT id, referrer_id, 'pending', created_at FROM users WHERE referrer_id IS NOT NULL"
    )

    op.create_table(
        "program_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("version > 0", name=op.f("ck_program_versions_positive_version")),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_program_versions")),
    )

    op.create_table(
        "conversions",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=16), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("qualified", sa.Boolean(), nullable=False),
        sa.CheckConstraint("(amount IS NULL) = (currency IS NULL)", name=op.f("ck_conversions_amount_with_currency")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_conversions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversions")),
    )
    op.create_index(op.f("ix_conversions_user_id_received_at"), "conversions", ["user_id", "received_at"])

    op.create_table(
        "rewards",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("program_version", sa.Integer(), nullable=False),
        sa.Column("conversion_id", sa.String(length=255), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'available', 'redeemed', 'voided')", name=op.f("ck_rewards_known_state")
        ),
        sa.CheckConstraint("role IN ('referrer', 'referee')", name=op.f("ck_rewards_known_role")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_rewards_positive_amount")),
        sa.ForeignKeyConstraint(
            ["conversion_id"], ["conversions.id"], name=op.f("fk_rewards_conversion_id_conversions")
        ),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_rewards_referral_id_referrals")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_rewards_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
    )
    op.create_index("uq_rewards_one_per_referral_and_role", "rewards", ["referral_id", "role"], unique=True)
    op.create_index(op.f("ix_rewards_user_id_role_created_at"), "rewards", ["user_id", "role", "created_at"])
    op.create_index(op.f("ix_rewards_state_available_at"), "rewards", ["state", "available_at"])
    op.create_index(op.f("ix_rewards_conversion_id"), "rewards", ["conversion_id"])


def downgrade() -> None:
    op.drop_table("rewards")
    op.drop_table("conversions")
    op.drop_table("program_versions")
    op.drop_table("referrals")
