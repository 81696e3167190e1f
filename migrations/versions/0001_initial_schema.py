"""Users, referral codes and refresh tokens.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_ONLY = sa.text("state = 'active'")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("referrer_id", sa.Uuid(), nullable=True),
        sa.Column("referred_with_code_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint("referrer_id IS NULL OR referrer_id <> id", name=op.f("ck_users_not_self_referral")),
        sa.ForeignKeyConstraint(["referrer_id"], ["users.id"], name=op.f("fk_users_referrer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("ix_users_referrer_id_created_at"), "users", ["referrer_id", "created_at"])

    op.create_table(
        "referral_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('active', 'deleted', 'expired')", name=op.f("ck_referral_codes_known_state")),
        sa.CheckConstraint("expires_at > created_at", name=op.f("ck_referral_codes_expires_after_creation")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_referral_codes_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_referral_codes_code")),
    )
    op.create_index(
        "uq_referral_codes_one_active_per_owner",
        "referral_codes",
        ["owner_id"],
        unique=True,
        sqlite_where=ACTIVE_ONLY,
        postgresql_where=ACTIVE_ONLY,
    )
    # users and referral_codes refer to each other, so one of the two keys can only come second.
    with op.batch_alter_table("users") as batch:
        batch.create_foreign_key(
            op.f("fk_users_referred_with_code_id_referral_codes"), "referral_codes", ["referred_with_code_id"], ["id"]
        )

    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_refresh_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_refresh_tokens_digest")),
    )
    op.create_index(op.f("ix_refresh_tokens_family_id"), "refresh_tokens", ["family_id"])


def downgrade() -> None:
    op.drop_table("refresh_tokens")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("fk_users_referred_with_code_id_referral_codes"), type_="foreignkey")
    op.drop_table("referral_codes")
    op.drop_table("users")
