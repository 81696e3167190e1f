"""Referral fraud: mailbox keys, codes with a use limit, flagged referrals and their review, client sightings.

Every existing account gets the mailbox key of its email, as domain/mailboxes.py folds it at upgrade time (a
later change of the folding rules re-derives stored keys in a migration of its own); existing codes have no limit
and count no uses; existing referrals keep their state, with no flags. The keys are computed in Python, so this
revision runs online only.

Downgrading makes flagged referrals pending and spent codes deleted; a conversion held by a flagged referral stays
stored, unqualified, with nothing left to honour it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from referrals.domain.mailboxes import mailbox_key

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CODE_STATES_BEFORE = "state IN ('active', 'deleted', 'expired')"
_CODE_STATES = "state IN ('active', 'deleted', 'expired', 'spent')"
_REFERRAL_STATES_BEFORE = "state IN ('pending', 'qualified', 'voided')"
_REFERRAL_STATES = "state IN ('pending', 'flagged', 'qualified', 'voided')"
_ACTIVE = sa.text("state = 'active'")
_BACKFILL_BATCH = 1000


def upgrade() -> None:
    op.add_column("users", sa.Column("mailbox_key", sa.String(length=254), nullable=True))
    _backfill_mailbox_keys()
    with op.batch_alter_table("users") as table:
        table.alter_column("mailbox_key", existing_type=sa.String(length=254), nullable=False)
    op.create_index(op.f("ix_users_mailbox_key"), "users", ["mailbox_key"])
    op.create_index(op.f("ix_users_referred_with_code_id_created_at"), "users", ["referred_with_code_id", "created_at"])

    with op.batch_alter_table("referral_codes") as table:
        table.add_column(sa.Column("max_uses", sa.Integer(), nullable=True))
        table.add_column(sa.Column("uses", sa.Integer(), server_default="0", nullable=False))
        table.drop_constraint(op.f("ck_referral_codes_known_state"), type_="check")
        table.create_check_constraint(op.f("ck_referral_codes_known_state"), _CODE_STATES)
        table.create_check_constraint(
            op.f("ck_referral_codes_max_uses_in_range"), "max_uses IS NULL OR max_uses BETWEEN 1 AND 1000000"
        )
        table.create_check_constraint(
            op.f("ck_referral_codes_uses_within_max"), "uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)"
        )
    _recreate_partial_code_indexes()

    with op.batch_alter_table("referrals") as table:
        table.add_column(sa.Column("flags", sa.Text(), nullable=True))
        table.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("held_conversion_id", sa.String(length=255), nullable=True))
        table.create_foreign_key(
            op.f("fk_referrals_held_conversion_id_conversions"), "conversions", ["held_conversion_id"], ["id"]
        )
        table.drop_constraint(op.f("ck_referrals_known_state"), type_="check")
        table.create_check_constraint(op.f("ck_referrals_known_state"), _REFERRAL_STATES)

    op.create_table(
        "client_sightings",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_client_sightings_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "fingerprint", name=op.f("pk_client_sightings")),
    )
    op.create_index(op.f("ix_client_sightings_seen_at"), "client_sightings", ["seen_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_client_sightings_seen_at"), table_name="client_sightings")
    op.drop_table("client_sightings")

    # A flagged referral was pending before it was flagged; a spent code ended, as a deleted one did.
    op.execute("UPDATE referrals SET state = 'pending' WHERE state = 'flagged'")
    with op.batch_alter_table("referrals") as table:
        table.drop_constraint(op.f("ck_referrals_known_state"), type_="check")
        table.create_check_constraint(op.f("ck_referrals_known_state"), _REFERRAL_STATES_BEFORE)
        table.drop_constraint(op.f("fk_referrals_held_conversion_id_conversions"), type_="foreignkey")
        table.drop_column("held_conversion_id")
        table.drop_column("approved_at")
        table.drop_column("flags")

    op.execute("UPDATE referral_codes SET state = 'deleted' WHERE state = 'spent'")
    with op.batch_alter_table("referral_codes") as table:
        table.drop_constraint(op.f("ck_referral_codes_uses_within_max"), type_="check")
        table.drop_constraint(op.f("ck_referral_codes_max_uses_in_range"), type_="check")
        table.drop_constraint(op.f("ck_referral_codes_known_state"), type_="check")
        table.create_check_constraint(op.f("ck_referral_codes_known_state"), _CODE_STATES_BEFORE)
        table.drop_column("uses")
        table.drop_column("max_uses")
    _recreate_partial_code_indexes()

    op.drop_index(op.f("ix_users_referred_with_code_id_created_at"), table_name="users")
    op.drop_index(op.f("ix_users_mailbox_key"), table_name="users")
    with op.batch_alter_table("users") as table:
        table.drop_column("mailbox_key")


def _backfill_mailbox_keys() -> None:
    if context.is_offline_mode():
        msg = "0013 derives mailbox keys in Python from the stored emails: run it against the database, not --sql"
        raise RuntimeError(msg)
    connection = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Uuid()), sa.column("email", sa.String()))
    keys = sa.table("users", sa.column("id", sa.Uuid()), sa.column("mailbox_key", sa.String()))
    update = sa.update(keys).where(keys.c.id == sa.bindparam("user_id")).values(mailbox_key=sa.bindparam("new_key"))
    last_id = None
    while True:
        query = sa.select(users.c.id, users.c.email).order_by(users.c.id).limit(_BACKFILL_BATCH)
        if last_id is not None:
            query = query.where(users.c.id > last_id)
        rows = connection.execute(query).all()
        if not rows:
            return
        connection.execute(update, [{"user_id": row.id, "new_key": mailbox_key(row.email)} for row in rows])
        last_id = rows[-1].id


def _recreate_partial_code_indexes() -> None:
    """SQLite's table copy keeps an index's columns but not its WHERE clause: both partial indexes are made anew
    (on PostgreSQL the table was altered in place, and this only drops and builds them once more)."""
    for name, columns, unique in (
        ("uq_referral_codes_one_active_per_owner", ["owner_id"], True),
        ("ix_referral_codes_active_expires_at", ["expires_at"], False),
    ):
        op.execute(f"DROP INDEX IF EXISTS {name}")
        op.create_index(name, "referral_codes", columns, unique=unique, sqlite_where=_ACTIVE, postgresql_where=_ACTIVE)
