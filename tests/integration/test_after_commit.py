"""What must follow a commit runs after the real commit: after a held transaction's, not at its first block's end."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from referrals.adapters.persistence.engine import create_engine
from referrals.adapters.persistence.tables import users
from referrals.domain.ids import new_id
from tests.integration.sessions import unit_of_work


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def committed_users(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return len((await connection.execute(select(users.c.id))).all())


async def add_user(session: AsyncSession) -> None:
    user_id = new_id()
    email = f"{user_id.hex}@example.com"
    await session.execute(
        users.insert().values(
            id=user_id, email=email, mailbox_key=email, password_hash="h", created_at=datetime.now(UTC)
        )
    )


async def test_an_action_after_the_commit_of_a_held_transaction_waits_for_the_held_commit(engine: AsyncEngine) -> None:
    seen_committed: list[int] = []

    async def after() -> None:
        seen_committed.append(await committed_users(engine))

    async with async_sessionmaker(engine)() as session:
        work = unit_of_work(session)
        async with work.held():
            async with work.write():
                await add_user(session)
                work.after_commit(after)
            assert seen_committed == []  # the block ended, the transaction did not
        assert seen_committed == [1]


async def test_an_action_after_the_commit_of_a_transaction_that_rolls_back_never_runs(engine: AsyncEngine) -> None:
    ran: list[str] = []

    async def after() -> None:
        ran.append("ran")

    async with async_sessionmaker(engine)() as session:
        work = unit_of_work(session)

        async def failing_write() -> None:
            async with work.write():
                await add_user(session)
                work.after_commit(after)
                raise LookupError

        with pytest.raises(LookupError):
            await failing_write()
        async with work.write():
            await add_user(session)

    assert ran == []
    assert await committed_users(engine) == 1
