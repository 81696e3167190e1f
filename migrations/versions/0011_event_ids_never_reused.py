"""Event ids are never reused on SQLite: the events table is rebuilt with AUTOINCREMENT.

Without it, SQLite hands out max(id) + 1, so once the purge empties the table ids start again at 1, behind
every feed reader's cursor and the webhook fan-out's. PostgreSQL's sequence never goes back: nothing to do.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("events", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
        pass


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("events", recreate="always", table_kwargs={"sqlite_autoincrement": False}):
        pass
