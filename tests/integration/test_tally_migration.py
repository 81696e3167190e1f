"""Migration 0014 fills the referrers' tallies from the referrals and rewards already stored."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from referrals.adapters.persistence import tables
from referrals.domain.ids import new_id
from tests.conftest import alembic_config
from tests.integration.tally_checks import assert_tallies_agree

AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def user(n: int, referrer_id: object = None) -> dict[str, Any]:
    email = f"user{n}@example.com"
    return {"id": new_id(), "email": email, "mailbox_key": email, "password_hash": "h", "created_at": AT,
            "referrer_id": referrer_id}  # fmt: skip


def reward(
    referral: dict[str, Any], user_id: object, role: str, amount: int, currency: str, state: str
) -> dict[str, Any]:
    return {"id": new_id(), "referral_id": referral["id"], "user_id": user_id, "role": role, "amount": amount,
            "currency": currency, "state": state, "created_at": AT, "available_at": AT, "program_version": 1,
            "conversion_id": f"order-{referral['id']}"}  # fmt: skip


async def test_upgrading_tallies_what_is_stored(fresh_database_url: str) -> None:
    config = alembic_config(fresh_database_url)
    await asyncio.to_thread(command.upgrade, config, "0013")
    ada = user(0)
    referees = [user(n, ada["id"]) for n in range(1, 5)]
    states = ["pending", "qualified", "qualified", "voided"]
    referral_rows = [
        {"id": referee["id"], "referrer_id": ada["id"], "state": state, "created_at": AT}
        for referee, state in zip(referees, states, strict=True)
    ]
    qualified = referral_rows[1:3]
    conversions = [
        {"id": f"order-{row['id']}", "user_id": row["id"], "type": "purchase", "occurred_at": AT,
         "received_at": AT, "qualified": True}
        for row in qualified
    ]  # fmt: skip
    rewards = [
        reward(qualified[0], ada["id"], "referrer", 1000, "USD", "pending"),
        reward(qualified[1], ada["id"], "referrer", 500, "USD", "redeemed"),
        reward(qualified[1], qualified[1]["id"], "referee", 300, "USD", "available"),
    ]
    engine = create_async_engine(fresh_database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(tables.users.insert(), [ada, *referees])
            await connection.execute(tables.referrals.insert(), referral_rows)
            await connection.execute(tables.conversions.insert(), conversions)
            await connection.execute(tables.rewards.insert(), rewards)

        await asyncio.to_thread(command.upgrade, config, "head")

        await assert_tallies_agree(engine)
        async with engine.connect() as connection:
            counts = (
                await connection.execute(sa.text("SELECT pending, qualified, voided FROM referrer_tallies"))
            ).one()
            sums = (
                await connection.execute(sa.text("SELECT currency, pending, redeemed FROM referrer_reward_tallies"))
            ).all()
    finally:
        await engine.dispose()

    assert tuple(counts) == (1, 2, 1)
    assert [tuple(row) for row in sums] == [("USD", 1000, 500)]
