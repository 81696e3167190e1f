"""Stored emails take the one spelling of their domain (IDNA 2008, UTS #46, as U-labels).

``alice@xn--exmple-cua.com`` becomes ``alice@exämple.com``, the form the service now derives from either
spelling, so the account is found under both. The rule is written out here rather than imported, so this
revision does the same thing however the service's own code changes later. Left as they are: addresses whose
domain has no valid IDNA spelling, and addresses whose new spelling another account already has (one
mailbox registered twice under two spellings; the older account keeps the name, the other keeps its old
spelling). Downgrading changes nothing: both spellings were valid before.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import idna
import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

USERS = sa.table(
    "users",
    sa.column("id", sa.Uuid),
    sa.column("email", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def canonical_domain_spelling(email: str) -> str | None:
    local, at, domain = email.rpartition("@")
    if not at:
        return None
    try:
        spelled = idna.decode(idna.encode(domain, uts46=True, std3_rules=True, transitional=False))
    except UnicodeError:
        return None
    return f"{local}@{spelled}"


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(USERS.c.id, USERS.c.email).order_by(USERS.c.created_at, USERS.c.id)).all()
    taken = {email for _, email in rows}
    moved = 0
    for user_id, email in rows:
        spelled = canonical_domain_spelling(email)
        if spelled is None or spelled == email:
            continue
        if spelled in taken:
            # Reachable from now on only by its id: both spellings find the older account.
            print(f"0003: account {user_id} is a second account of another's mailbox; merge or remove it")  # noqa: T201
            continue
        connection.execute(sa.update(USERS).where(USERS.c.id == user_id).values(email=spelled))
        taken.discard(email)
        taken.add(spelled)
        moved += 1
    if moved:
        print(f"0003: {moved} stored email(s) took the IDNA spelling of their domain")  # noqa: T201


def downgrade() -> None:
    pass
