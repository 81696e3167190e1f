"""Client sightings: kept for the same-client window, then purged; a sighting refreshed meanwhile stays."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from referrals.adapters.persistence.engine import create_engine
from referrals.adapters.persistence.fraud import SqlaClientSightings
from referrals.adapters.persistence.fraud_tables import client_sightings
from referrals.adapters.persistence.tables import users
from referrals.domain.ids import new_id
from tests.integration.sessions import unit_of_work
from tests.integration.test_code_end_fairness import until_a_session_waits_on_a_lock

NOW = datetime.now(UTC)
CUTOFF = NOW - timedelta(hours=12)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=4)
    yield engine
    await engine.dispose()


async def a_user(session: AsyncSession) -> UUID:
    user_id = new_id()
    email = f"{user_id.hex}@example.com"
    async with unit_of_work(session).write():
        await session.execute(
            users.insert().values(id=user_id, email=email, mailbox_key=email, password_hash="h", created_at=NOW)
        )
    return user_id


async def fingerprints_left(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set((await connection.execute(select(client_sightings.c.fingerprint))).scalars())


async def test_the_purge_forgets_sightings_past_the_window_only(engine: AsyncEngine) -> None:
    async with async_sessionmaker(engine)() as session:
        user = await a_user(session)
        sightings = SqlaClientSightings(session)
        async with unit_of_work(session).write():
            await sightings.record(user, "old", CUTOFF - timedelta(seconds=1))
            await sightings.record(user, "recent", CUTOFF + timedelta(seconds=1))
            await sightings.record(user, "moved", CUTOFF - timedelta(hours=1))
            await sightings.record(user, "moved", NOW)
            await sightings.record(user, "recent", CUTOFF - timedelta(hours=5))
        async with unit_of_work(session).write():
            purged = await sightings.purge(CUTOFF, 100)

    assert purged == 1
    assert await fingerprints_left(engine) == {"recent", "moved"}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_sighting_a_login_refreshes_while_the_purge_waits_for_it_stays(engine: AsyncEngine) -> None:
    async with async_sessionmaker(engine)() as session:
        user = await a_user(session)
        async with unit_of_work(session).write():
            await SqlaClientSightings(session).record(user, "office", CUTOFF - timedelta(hours=1))
    login_wrote = asyncio.Event()
    let_login_commit = asyncio.Event()

    async def login() -> None:
        async with async_sessionmaker(engine)() as session, unit_of_work(session).write():
            await SqlaClientSightings(session).record(user, "office", NOW)
            login_wrote.set()
            await let_login_commit.wait()

    async def purge() -> int:
        await login_wrote.wait()
        async with async_sessionmaker(engine)() as session, unit_of_work(session).write():
            return await SqlaClientSightings(session).purge(CUTOFF, 100)

    logging_in = asyncio.create_task(login())
    purging = asyncio.create_task(purge())
    await login_wrote.wait()
    await until_a_session_waits_on_a_lock(engine)
    let_login_commit.set()
    await logging_in

    assert await purging == 0
    assert await fingerprints_left(engine) == {"office"}
