"""Migration 0006 on a database that already holds accounts: every user who registered with a code becomes one
pending referral, dated by their registration and kept with their referrer; nothing that was stored is lost."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from referrals.adapters.persistence.reads import ReadPoolLimits, committed_reads
from referrals.adapters.persistence.referrals import SqlaReferralQueries
from referrals.adapters.persistence.referrer_stats import SqlaReferrerStatsQueries
from referrals.adapters.persistence.tables import (
    conversions,
    program_versions,
    referral_codes,
    referrals,
    rewards,
    users,
)
from referrals.application.ports.referrals import ReferralCounts
from referrals.domain.ids import new_id
from tests.conftest import alembic_config

READ_LIMITS = ReadPoolLimits(size=2, acquire_timeout=2.0, connect_timeout=2.0, statement_timeout=2.5)

BEFORE = "0005"
REGISTERED = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def a_user(n: int, referrer_id: UUID | None = None, code_id: UUID | None = None) -> dict[str, Any]:
    # Each registered at an instant of its own, so a backfill that dated referrals any other way would show.
    return {
        "id": new_id(),
        "email": f"user{n}@example.com",
        "password_hash": f"hash-{n}",
        "created_at": REGISTERED + timedelta(days=n, microseconds=n),
        "referrer_id": referrer_id,
        "referred_with_code_id": code_id,
    }


# Columns later revisions added: the rows compared are those the tables had at BEFORE.
LATER_COLUMNS = frozenset({"mailbox_key", "max_uses", "uses"})


async def rows_of(engine: AsyncEngine, table: sa.Table) -> list[dict[str, Any]]:
    columns = [column for column in table.c if column.name not in LATER_COLUMNS]
    async with engine.connect() as connection:
        result = await connection.execute(sa.select(*columns).order_by(*table.primary_key.columns))
        return [dict(row) for row in result.mappings()]


async def test_upgrading_makes_one_pending_referral_per_referred_user(fresh_database_url: str) -> None:
    config = alembic_config(fresh_database_url)
    await asyncio.to_thread(command.upgrade, config, BEFORE)
    ada, grace = a_user(0), a_user(1)
    code = {
        "id": new_id(),
        "owner_id": ada["id"],
        "code": "ADA0CODE",
        "state": "active",
        "created_at": REGISTERED,
        "expires_at": REGISTERED + timedelta(days=30),
    }
    referred = [
        a_user(2, referrer_id=ada["id"], code_id=code["id"]),
        a_user(3, referrer_id=ada["id"]),
        a_user(4, referrer_id=grace["id"]),
    ]
    # A referee who went on to refer someone: both sides of the chain are referrals of their own referrer.
    referred.append(a_user(5, referrer_id=referred[0]["id"]))
    engine = create_async_engine(fresh_database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(users.insert(), [ada, grace])
            await connection.execute(referral_codes.insert(), [code])
            await connection.execute(users.insert(), referred)
        users_before = await rows_of(engine, users)
        codes_before = await rows_of(engine, referral_codes)

        await asyncio.to_thread(command.upgrade, config, "head")

        backfilled = {
            row["id"]: (row["referrer_id"], row["state"], row["created_at"]) for row in await rows_of(engine, referrals)
        }
        assert backfilled == {user["id"]: (user["referrer_id"], "pending", user["created_at"]) for user in referred}
        assert all(
            (row["qualified_at"], row["voided_at"], row["void_reason"], row["void_note"]) == (None, None, None, None)
            for row in await rows_of(engine, referrals)
        )
        assert await rows_of(engine, users) == users_before
        assert await rows_of(engine, referral_codes) == codes_before
        for table in (conversions, rewards, program_versions):
            assert await rows_of(engine, table) == [], table.name
        # The application reads them as it reads referrals made after the upgrade.
        async with committed_reads(engine, READ_LIMITS) as reads:
            referral_queries = SqlaReferralQueries(reads)
            stats = SqlaReferrerStatsQueries(reads)
            now = datetime.now(UTC)
            assert (await stats.tallies(ada["id"], now)).referrals == ReferralCounts(pending=2)
            assert (await stats.tallies(grace["id"], now)).referrals == ReferralCounts(pending=1)
            referee = await referral_queries.get(referred[0]["id"])
        assert referee is not None
        assert referee.email == referred[0]["email"]
    finally:
        await engine.dispose()
