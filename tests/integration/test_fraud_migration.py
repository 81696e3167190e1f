"""Migration 0013 on a database that already holds accounts, codes and referrals: each account gets its mailbox
key, codes keep working without a limit, referrals keep their state without flags; downgrading keeps every row,
a flagged referral pending again and a spent code ended as a deleted one."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from referrals.domain.ids import new_id
from tests.conftest import alembic_config

BEFORE = "0012"
AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

users = sa.table(
    "users",
    sa.column("id", sa.Uuid()),
    sa.column("email", sa.String()),
    sa.column("password_hash", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("referrer_id", sa.Uuid()),
    sa.column("referred_with_code_id", sa.Uuid()),
)
codes = sa.table(
    "referral_codes",
    sa.column("id", sa.Uuid()),
    sa.column("owner_id", sa.Uuid()),
    sa.column("code", sa.String()),
    sa.column("state", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("expires_at", sa.DateTime(timezone=True)),
)
referrals = sa.table(
    "referrals",
    sa.column("id", sa.Uuid()),
    sa.column("referrer_id", sa.Uuid()),
    sa.column("state", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def a_user(email: str, **fields: Any) -> dict[str, Any]:
    return {"id": new_id(), "email": email, "password_hash": "h", "created_at": AT, "referrer_id": None,
            "referred_with_code_id": None, **fields}  # fmt: skip


async def test_upgrading_keys_every_mailbox_and_keeps_codes_and_referrals_as_they_were(fresh_database_url: str) -> None:
    config = alembic_config(fresh_database_url)
    await asyncio.to_thread(command.upgrade, config, BEFORE)
    ada = a_user("a.d.a+old@googlemail.com")
    code = {"id": new_id(), "owner_id": ada["id"], "code": "ADA0CODE", "state": "active", "created_at": AT,
            "expires_at": AT + timedelta(days=3650)}  # fmt: skip
    grace = a_user("grace+x@example.com", referrer_id=ada["id"], referred_with_code_id=code["id"])
    engine = create_async_engine(fresh_database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.insert(users), [ada])
            await connection.execute(sa.insert(codes), [code])
            await connection.execute(sa.insert(users), [grace])
            await connection.execute(
                sa.insert(referrals),
                [{"id": grace["id"], "referrer_id": ada["id"], "state": "qualified", "created_at": AT}],
            )

        await asyncio.to_thread(command.upgrade, config, "head")
        async with engine.connect() as connection:
            result = await connection.execute(sa.text("SELECT email, mailbox_key FROM users"))
            keys = {str(row.email): str(row.mailbox_key) for row in result}
            stored_code = (await connection.execute(sa.text("SELECT state, uses, max_uses FROM referral_codes"))).one()
            stored_referral = (
                await connection.execute(sa.text("SELECT state, flags, approved_at FROM referrals"))
            ).one()

        # What only the new schema can hold: a flagged referral, a spent code.
        async with engine.begin() as connection:
            await connection.execute(sa.text("UPDATE referrals SET state = 'flagged', flags = '[]'"))
            await connection.execute(sa.text("UPDATE referral_codes SET state = 'spent', uses = 1, max_uses = 1"))
        await asyncio.to_thread(command.downgrade, config, BEFORE)
        async with engine.connect() as connection:
            emails_after_downgrade = set((await connection.execute(sa.text("SELECT email FROM users"))).scalars())
            states_after_downgrade = (
                await connection.execute(sa.text("SELECT r.state, c.state FROM referrals r, referral_codes c"))
            ).one()
    finally:
        await engine.dispose()

    assert keys == {"a.d.a+old@googlemail.com": "ada@gmail.com", "grace+x@example.com": "grace+x@example.com"}
    assert tuple(stored_code) == ("active", 0, None)
    assert tuple(stored_referral) == ("qualified", None, None)
    assert emails_after_downgrade == {ada["email"], grace["email"]}
    assert tuple(states_after_downgrade) == ("pending", "deleted")
