"""Ending a code while registrations keep using it: the end gets its turn (PostgreSQL, whose writers queue).

Row share locks let every newcomer in beside the ones already holding the row, so a steady stream of
registrations would keep a delete waiting for as long as the stream lasts. The end must wait only for the
registrations already under way, and the ones that arrive after it must wait for it and then find the code gone.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from referrals.adapters.persistence.engine import create_engine
from referrals.adapters.persistence.referral_codes import SqlaReferralCodeRepository
from referrals.adapters.persistence.users import SqlaUserRepository
from referrals.domain.codes import generate_code
from referrals.domain.ids import new_id
from referrals.domain.referral_code import CodeState, ReferralCode
from referrals.domain.user import User
from tests.integration.sessions import unit_of_work

NOW = datetime.now(UTC)
WAITING_ON_A_LOCK = text("SELECT count(*) FROM pg_locks WHERE NOT granted")


@pytest.fixture
async def engine(empty_postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_postgres_url, pool_size=6)
    yield engine
    await engine.dispose()


async def a_live_code(engine: AsyncEngine) -> ReferralCode:
    owner = User(id=new_id(), email="ada@example.com", password_hash="h", created_at=NOW)
    code = ReferralCode(
        id=new_id(), owner_id=owner.id, code=generate_code(), created_at=NOW, expires_at=NOW + timedelta(days=1)
    )
    async with async_sessionmaker(engine)() as session, unit_of_work(session).write():
        await SqlaUserRepository(session, unit_of_work(session)).add(owner)
        await SqlaReferralCodeRepository(session, unit_of_work(session)).add(code)
    return code


def codes_of(session: AsyncSession) -> SqlaReferralCodeRepository:
    return SqlaReferralCodeRepository(session, unit_of_work(session))


async def test_a_registration_that_arrives_while_a_code_is_ending_waits_and_finds_it_gone(engine: AsyncEngine) -> None:
    code = await a_live_code(engine)
    under_way_found_it = asyncio.Event()
    let_under_way_commit = asyncio.Event()

    async def registration_under_way() -> ReferralCode | None:
        async with async_sessionmaker(engine)() as session, unit_of_work(session).write():
            found = await codes_of(session).claim_use(code.code, NOW)
            under_way_found_it.set()
            await let_under_way_commit.wait()
            return found

    async def end_of_the_code() -> bool:
        await under_way_found_it.wait()
        async with async_sessionmaker(engine)() as session, unit_of_work(session).write():
            current = await codes_of(session).stored_active_of(code.owner_id)
            assert current is not None
            return await codes_of(session).end(current, CodeState.DELETED, NOW)

    async def late_registration() -> ReferralCode | None:
        async with async_sessionmaker(engine)() as session, unit_of_work(session).write():
            return await codes_of(session).claim_use(code.code, NOW)

    under_way = asyncio.create_task(registration_under_way())
    ending = asyncio.create_task(end_of_the_code())
    await under_way_found_it.wait()
    await until_a_session_waits_on_a_lock(engine)
    late = asyncio.create_task(late_registration())
    # The late one either slips in beside the one under way (and is soon done) or queues behind the end.
    await asyncio.sleep(0.2)
    late_slipped_in = late.done()
    let_under_way_commit.set()

    assert (await under_way) is not None
    assert await ending
    assert (await late) is None
    assert not late_slipped_in


async def until_a_session_waits_on_a_lock(engine: AsyncEngine) -> None:
    async with asyncio.timeout(5), engine.connect() as connection:
        while not (await connection.execute(WAITING_ON_A_LOCK)).scalar_one():
            await asyncio.sleep(0.005)
