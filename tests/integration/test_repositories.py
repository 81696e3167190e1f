"""Repositories against real databases: the constraints hold, and their violations speak the domain's language."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from referrals.adapters.persistence.engine import create_engine, create_sqlite_reader
from referrals.adapters.persistence.live_codes import SqlaLiveCodeQueries
from referrals.adapters.persistence.reads import CommittedReads, ReadPoolLimits, SqliteReaderThread, committed_reads
from referrals.adapters.persistence.referral_codes import SqlaReferralCodeRepository
from referrals.adapters.persistence.referrals import SqlaReferralQueries
from referrals.adapters.persistence.refresh_tokens import SqlaRefreshTokenRepository
from referrals.adapters.persistence.users import SqlaUserQueries, SqlaUserRepository
from referrals.application.errors import CodeCollision
from referrals.application.ports.codes import LiveCode, LiveCodeQueries
from referrals.application.ports.referrals import ReferralFilter
from referrals.domain.codes import generate_code
from referrals.domain.errors import ActiveCodeExists, EmailTaken, SelfReferral
from referrals.domain.ids import new_id
from referrals.domain.referral_code import CodeState, ReferralCode
from referrals.domain.refresh_token import RefreshToken
from referrals.domain.user import EnrichedProfile, Profile, User
from tests.integration.sessions import unit_of_work

NOW = datetime.now(UTC)
READ_LIMITS = ReadPoolLimits(size=4, acquire_timeout=2.0, connect_timeout=2.0, statement_timeout=2.5)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def reads(engine: AsyncEngine) -> AsyncIterator[CommittedReads]:
    async with committed_reads(engine, READ_LIMITS) as committed:
        yield committed


@pytest.fixture
def lookups(reads: CommittedReads) -> LiveCodeQueries:
    return SqlaLiveCodeQueries(reads)


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        yield session


def a_user(email: str = "ada@example.com", **fields: object) -> User:
    values: dict[str, object] = {"id": new_id(), "email": email, "password_hash": "h", "created_at": NOW}
    values.update(fields)
    return User(**values)  # type: ignore[arg-type]  # overrides are any field


def a_code(owner: User, **fields: object) -> ReferralCode:
    values: dict[str, object] = {
        "id": new_id(),
        "owner_id": owner.id,
        "code": generate_code(),
        "created_at": NOW,
        "expires_at": NOW + timedelta(days=1),
    }
    values.update(fields)
    return ReferralCode(**values)  # type: ignore[arg-type]  # overrides are any field


async def saved(session: AsyncSession, *users: User) -> None:
    async with unit_of_work(session).write():
        for user in users:
            await SqlaUserRepository(session, unit_of_work(session)).add(user)


async def test_a_user_round_trips_with_aware_utc_times(session: AsyncSession, reads: CommittedReads) -> None:
    user = a_user(created_at=datetime(2030, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=3))))
    await saved(session, user)

    loaded = await SqlaUserQueries(reads).by_email("ada@example.com")

    assert loaded is not None
    assert loaded.created_at == datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
    assert loaded.created_at.tzinfo is UTC
    assert (loaded.id, loaded.email, loaded.referrer_id) == (user.id, user.email, None)


async def test_a_duplicate_email_is_email_taken(session: AsyncSession) -> None:
    await saved(session, a_user())

    with pytest.raises(EmailTaken):
        await saved(session, a_user())


async def test_the_database_refuses_self_referral(session: AsyncSession) -> None:
    user_id = new_id()

    with pytest.raises(SelfReferral):
        await saved(session, a_user(id=user_id, referrer_id=user_id))


async def test_the_database_refuses_a_second_active_code(session: AsyncSession) -> None:
    owner = a_user()
    await saved(session, owner)
    codes = SqlaReferralCodeRepository(session, unit_of_work(session))
    async with unit_of_work(session).write():
        await codes.add(a_code(owner))

    with pytest.raises(ActiveCodeExists):
        async with unit_of_work(session).write():
            await codes.add(a_code(owner))


async def test_a_taken_code_is_a_collision(session: AsyncSession) -> None:
    ada, bob = a_user(), a_user("bob@example.com")
    await saved(session, ada, bob)
    codes = SqlaReferralCodeRepository(session, unit_of_work(session))
    async with unit_of_work(session).write():
        await codes.add(a_code(ada, code="AAAAAAAAAAAAA"))

    with pytest.raises(CodeCollision):
        async with unit_of_work(session).write():
            await codes.add(a_code(bob, code="AAAAAAAAAAAAA"))


async def test_ended_codes_free_the_owner_and_are_not_live(session: AsyncSession) -> None:
    owner = a_user()
    await saved(session, owner)
    codes = SqlaReferralCodeRepository(session, unit_of_work(session))
    first = a_code(owner)
    async with unit_of_work(session).write():
        await codes.add(first)
        await codes.end(first, CodeState.DELETED, NOW)
        await codes.add(a_code(owner))

    assert await codes.claim_use(first.code, NOW) is None
    current = await codes.stored_active_of(owner.id)
    assert current is not None
    assert current.code != first.code


async def test_live_lookups_respect_expiry_to_the_microsecond(session: AsyncSession, lookups: LiveCodeQueries) -> None:
    owner = a_user()
    await saved(session, owner)
    codes = SqlaReferralCodeRepository(session, unit_of_work(session))
    code = a_code(owner, expires_at=NOW + timedelta(minutes=5))
    async with unit_of_work(session).write():
        await codes.add(code)
    just_before = code.expires_at - timedelta(microseconds=1)

    assert (await lookups.live_by_owner_email(owner.email, just_before)) == LiveCode(code.code, code.expires_at)
    assert (await lookups.live_by_owner_email(owner.email, code.expires_at)) is None
    assert (await codes.claim_use(code.code, just_before)) is not None
    assert (await codes.claim_use(code.code, code.expires_at)) is None


async def test_a_refresh_token_can_be_spent_once(session: AsyncSession) -> None:
    user = a_user()
    await saved(session, user)
    tokens = SqlaRefreshTokenRepository(session)
    token = RefreshToken(new_id(), user.id, new_id(), "d" * 64, NOW, NOW + timedelta(days=1))
    async with unit_of_work(session).write():
        await tokens.add(token)

    async with unit_of_work(session).write():
        first = await tokens.spend(token.id, NOW)
        second = await tokens.spend(token.id, NOW)

    assert (first, second) == (True, False)
    stored = await tokens.by_digest("d" * 64)
    assert stored is not None
    assert stored.is_spent()


async def test_referrals_page_counts_everything(session: AsyncSession, reads: CommittedReads) -> None:
    referrer = a_user()
    friends = [
        a_user(f"f{n}@example.com", referrer_id=referrer.id, created_at=NOW + timedelta(seconds=n)) for n in range(3)
    ]
    await saved(session, referrer, *friends)

    items, total = await SqlaReferralQueries(reads).page(ReferralFilter(referrer_id=referrer.id), 2, 0)

    assert total == 3
    assert [item.email for item in items] == ["f2@example.com", "f1@example.com"]


async def test_writers_queue_instead_of_failing(engine: AsyncEngine) -> None:
    """On SQLite, writers that start together must wait for the lock rather than fail with 'database is locked'."""
    factory = async_sessionmaker(engine, expire_on_commit=False)

    async def write(n: int) -> None:
        async with factory() as session:
            await SqlaUserRepository(session, unit_of_work(session)).email_exists(
                "x@example.com"
            )  # a read first, then the write
            async with unit_of_work(session).write():
                await SqlaUserRepository(session, unit_of_work(session)).add(a_user(f"w{n}@example.com"))
                await asyncio.sleep(0.01)

    await asyncio.gather(*(write(n) for n in range(15)))

    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM users")) == 15


async def test_a_lookup_sees_only_committed_codes_and_leaves_no_transaction_open(
    session: AsyncSession, lookups: LiveCodeQueries
) -> None:
    owner = a_user()
    await saved(session, owner)
    code = a_code(owner, expires_at=NOW + timedelta(minutes=5))

    async with unit_of_work(session).write():
        await SqlaReferralCodeRepository(session, unit_of_work(session)).add(code)
        assert await lookups.live_by_owner_email(owner.email, NOW) is None  # not committed yet

    assert await lookups.live_by_owner_email(owner.email, NOW) == LiveCode(code.code, code.expires_at)
    # On SQLite a transaction left open by a read would hold the write lock's way; writers must still go through.
    async with unit_of_work(session).write():
        await SqlaReferralCodeRepository(session, unit_of_work(session)).end(code, CodeState.DELETED, NOW)
    assert await lookups.live_by_owner_email(owner.email, NOW) is None


async def test_a_user_is_read_by_id_once_committed_with_its_profile(
    session: AsyncSession, reads: CommittedReads
) -> None:
    accounts = SqlaUserQueries(reads)
    user = a_user()
    profile = EnrichedProfile(Profile(full_name="Ada Lovelace", company="Analytical Engines"), NOW, "clearbit")

    async with unit_of_work(session).write():
        await SqlaUserRepository(session, unit_of_work(session)).add(user)
        assert await accounts.by_id(user.id) is None  # not committed yet
    async with unit_of_work(session).write():
        await SqlaUserRepository(session, unit_of_work(session)).set_profile(user.id, profile)

    assert await accounts.by_id(user.id) == replace(user, profile=profile)
    assert await accounts.by_id(new_id()) is None


async def test_the_sqlite_reader_starts_afresh_after_its_connection_breaks(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    reader = SqliteReaderThread(create_sqlite_reader(engine.url))
    lookups = SqlaUserQueries(reader)
    try:
        assert await lookups.by_email("nobody@example.com") is None  # the reader now holds a connection
        held = reader._connection
        assert held is not None
        held.connection.dbapi_connection.close()  # type: ignore[union-attr]  # broken behind its back

        with pytest.raises(DBAPIError):
            await lookups.by_email("nobody@example.com")
        assert await lookups.by_email("nobody@example.com") is None
        assert reader._connection is not held
    finally:
        reader.close()
        await engine.dispose()
