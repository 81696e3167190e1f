"""PostgreSQL's hot reads on asyncpg's own pool answer exactly what SQLAlchemy's engine answers, typed the same,
and fail the way the engine's reads fail: an outage as an invalidated OperationalError, anything else as a
DBAPIError, and never with the parameters (an email) in the message."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Integer, String, bindparam, literal_column, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from referrals.adapters.persistence.driver_reads import AsyncpgPoolReads
from referrals.adapters.persistence.engine import create_engine
from referrals.adapters.persistence.live_codes import SqlaLiveCodeQueries
from referrals.adapters.persistence.reads import AsyncEngineReads, ReadPoolLimits, committed_reads
from referrals.adapters.persistence.referral_codes import SqlaReferralCodeRepository
from referrals.adapters.persistence.tables import referral_codes, users
from referrals.adapters.persistence.users import SqlaUserQueries, SqlaUserRepository
from referrals.domain.codes import generate_code
from referrals.domain.ids import new_id
from referrals.domain.referral_code import CodeState, ReferralCode
from referrals.domain.user import EnrichedProfile, Profile, User
from tests.faults import BlackholeProxy
from tests.integration.sessions import unit_of_work

pytestmark = pytest.mark.postgres

NOW = datetime.now(UTC)
LIMITS = ReadPoolLimits(size=2, acquire_timeout=1.0, connect_timeout=1.0, statement_timeout=0.5)
ONE = select(bindparam("n", type_=Integer).label("n"))
EVERY_COLUMN = select(users, referral_codes).join(referral_codes, referral_codes.c.owner_id == users.c.id)


@pytest.fixture
async def engine(empty_postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_postgres_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def pool_reads(engine: AsyncEngine) -> AsyncIterator[AsyncpgPoolReads]:
    reads = await AsyncpgPoolReads.open(engine, LIMITS)
    yield reads
    await reads.close()


async def a_referrer_with_a_code(engine: AsyncEngine) -> tuple[User, ReferralCode]:
    profile = EnrichedProfile(Profile(full_name="Ada Lovelace", title="Countess"), NOW, "clearbit")
    owner = User(id=new_id(), email="ada@example.com", password_hash="h", created_at=NOW)
    code = ReferralCode(
        id=new_id(),
        owner_id=owner.id,
        code=generate_code(),
        state=CodeState.ACTIVE,
        created_at=NOW,
        expires_at=NOW + timedelta(days=1),
    )
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        async with unit_of_work(session).write():
            await SqlaUserRepository(session, unit_of_work(session)).add(owner)
            await SqlaReferralCodeRepository(session, unit_of_work(session)).add(code)
        async with unit_of_work(session).write():
            await SqlaUserRepository(session, unit_of_work(session)).set_profile(owner.id, profile)
    return owner, code


def typed(row: Any) -> dict[str, tuple[Any, type]]:
    return {name: (value, type(value)) for name, value in dict(row).items()}


async def test_every_column_reads_back_as_the_engine_reads_it(
    engine: AsyncEngine, pool_reads: AsyncpgPoolReads
) -> None:
    owner, _ = await a_referrer_with_a_code(engine)
    by_email = EVERY_COLUMN.where(users.c.email == bindparam("email"))

    through_the_pool = await pool_reads.first(by_email, {"email": owner.email})
    through_the_engine = await AsyncEngineReads(engine).first(by_email, {"email": owner.email})

    assert through_the_pool is not None
    assert through_the_engine is not None
    assert typed(through_the_pool) == typed(through_the_engine)
    assert through_the_pool["created_at"].tzinfo is not None


async def test_every_row_reads_back_in_order_as_the_engine_reads_it(
    engine: AsyncEngine, pool_reads: AsyncpgPoolReads
) -> None:
    await a_referrer_with_a_code(engine)
    numbers = select(literal_column("n", Integer)).select_from(
        select(literal_column("generate_series(1, 5)", Integer).label("n")).subquery()
    )
    descending = numbers.where(literal_column("n", Integer) <= bindparam("up_to", type_=Integer)).order_by(
        literal_column("n").desc()
    )

    through_the_pool = await pool_reads.all(descending, {"up_to": 3})
    through_the_engine = await AsyncEngineReads(engine).all(descending, {"up_to": 3})

    assert [dict(row) for row in through_the_pool] == [{"n": 3}, {"n": 2}, {"n": 1}]
    assert [dict(row) for row in through_the_pool] == [dict(row) for row in through_the_engine]
    assert await pool_reads.all(descending, {"up_to": 0}) == []


async def test_the_hot_queries_answer_the_read_models(engine: AsyncEngine, pool_reads: AsyncpgPoolReads) -> None:
    owner, code = await a_referrer_with_a_code(engine)
    accounts, lookups = SqlaUserQueries(pool_reads), SqlaLiveCodeQueries(pool_reads)

    stored = await accounts.by_email(owner.email)
    assert stored is not None
    assert await accounts.by_id(owner.id) == stored
    assert stored.profile is not None
    assert stored.profile.profile.title == "Countess"
    live = await lookups.live_by_owner_email(owner.email, NOW)
    assert live is not None
    assert (live.code, live.expires_at) == (code.code, code.expires_at)
    assert await lookups.live_by_owner_email(owner.email, code.expires_at) is None  # expired to the microsecond
    assert await accounts.by_email("nobody@example.com") is None


async def test_postgresql_reads_go_through_the_pool_of_their_own(engine: AsyncEngine) -> None:
    async with committed_reads(engine, LIMITS) as reads:
        assert isinstance(reads, AsyncpgPoolReads)


async def test_a_statement_past_its_timeout_is_an_outage_without_parameters(pool_reads: AsyncpgPoolReads) -> None:
    slow = select(literal_column("pg_sleep(5)", String)).where(bindparam("email", type_=String) != "")

    with pytest.raises(OperationalError) as raised:
        await pool_reads.first(slow, {"email": "secret@example.com"})

    assert raised.value.connection_invalidated
    assert "secret@example.com" not in str(raised.value)
    # The connection cut off mid-statement was dropped; the next read gets a working one.
    assert await pool_reads.first(ONE, {"n": 1}) == {"n": 1}


async def test_an_error_the_server_answers_is_not_an_outage(pool_reads: AsyncpgPoolReads) -> None:
    broken = select(literal_column("1 / 0", Integer)).where(bindparam("email", type_=String) != "")

    with pytest.raises(DBAPIError) as raised:
        await pool_reads.first(broken, {"email": "secret@example.com"})

    assert not isinstance(raised.value, OperationalError)
    assert not raised.value.connection_invalidated
    assert "secret@example.com" not in str(raised.value)


async def test_a_server_that_never_answers_is_an_outage() -> None:
    async with BlackholeProxy().running() as silent:
        engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{silent.port}/postgres")
        reads = await AsyncpgPoolReads.open(engine, LIMITS)
        try:
            with pytest.raises(OperationalError) as raised:
                await reads.first(ONE, {"n": 1})
        finally:
            await reads.close()
            await engine.dispose()
    assert raised.value.connection_invalidated
