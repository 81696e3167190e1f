"""The outbox: events are stored with the state change that caused them, in commit order, or not at all."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from referrals.adapters.persistence.engine import create_engine
from referrals.adapters.persistence.outbox import append_events
from referrals.adapters.persistence.referral_codes import SqlaReferralCodeRepository
from referrals.adapters.persistence.tables import events, referral_codes
from referrals.adapters.persistence.users import SqlaUserRepository
from referrals.domain.codes import generate_code
from referrals.domain.ids import new_id
from referrals.domain.referral_code import CodeState, ReferralCode, code_event
from referrals.domain.user import User
from tests.integration.sessions import unit_of_work

NOW = datetime.now(UTC)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=12)
    yield engine
    await engine.dispose()


async def an_owner(engine: AsyncEngine) -> User:
    owner = User(id=new_id(), email=f"{new_id().hex}@example.com", password_hash="h", created_at=NOW)
    async with async_sessionmaker(engine)() as session, unit_of_work(session).write():
        await SqlaUserRepository(session, unit_of_work(session)).add(owner)
    return owner


def a_code(owner: User) -> ReferralCode:
    return ReferralCode(
        id=new_id(), owner_id=owner.id, code=generate_code(), created_at=NOW, expires_at=NOW + timedelta(days=1)
    )


async def stored_events(engine: AsyncEngine, *owners: User) -> list[tuple[int, str, dict[str, object]]]:
    """The events about the owners' codes (the database may hold other tests' too)."""
    async with engine.connect() as connection:
        rows = (await connection.execute(select(events).order_by(events.c.id))).all()
    decoded = [(row.id, row.type, msgspec.json.decode(row.data)) for row in rows]
    wanted = {str(owner.id) for owner in owners}
    return [event for event in decoded if event[2].get("owner_id") in wanted]


async def test_a_state_change_and_its_event_commit_together(engine: AsyncEngine) -> None:
    owner = await an_owner(engine)
    code = a_code(owner)
    async with async_sessionmaker(engine)() as session:
        codes = SqlaReferralCodeRepository(session, unit_of_work(session))
        async with unit_of_work(session).write():
            await codes.add(code)
        async with unit_of_work(session).write():
            await codes.end(code, CodeState.DELETED, NOW + timedelta(minutes=1))

    recorded = await stored_events(engine, owner)

    assert [kind for _, kind, _ in recorded] == ["code.created", "code.deleted"]
    deleted = recorded[1][2]
    assert deleted["id"] == str(code.id)
    assert deleted["owner_id"] == str(owner.id)
    assert deleted["state"] == "deleted"
    assert datetime.fromisoformat(str(deleted["ended_at"])) == NOW + timedelta(minutes=1)


async def test_a_held_transaction_stores_the_events_of_its_blocks_that_stood_once_it_commits(
    engine: AsyncEngine,
) -> None:
    owner = await an_owner(engine)
    dropped, kept = a_code(owner), a_code(owner)
    async with async_sessionmaker(engine)() as session:
        work = unit_of_work(session)
        codes = SqlaReferralCodeRepository(session, work)

        async def failing_write() -> None:
            async with work.write():
                await codes.add(dropped)
                raise LookupError

        async with work.held():
            with pytest.raises(LookupError):
                await failing_write()
            async with work.write():
                await codes.add(kept)
            assert await stored_events(engine, owner) == []  # written by the hold, and not committed yet

    recorded = await stored_events(engine, owner)

    assert [(kind, data["id"]) for _, kind, data in recorded] == [("code.created", str(kept.id))]


async def test_a_rolled_back_change_leaves_no_event(engine: AsyncEngine) -> None:
    owner = await an_owner(engine)
    async with async_sessionmaker(engine)() as session:
        codes = SqlaReferralCodeRepository(session, unit_of_work(session))

        async def failing_write() -> None:
            async with unit_of_work(session).write():
                await codes.add(a_code(owner))
                raise RuntimeError

        with pytest.raises(RuntimeError):
            await failing_write()

    async with engine.connect() as connection:
        assert (
            await connection.execute(select(referral_codes).where(referral_codes.c.owner_id == owner.id))
        ).all() == []
    assert await stored_events(engine, owner) == []


async def test_an_event_outside_a_write_transaction_is_refused(engine: AsyncEngine) -> None:
    owner = await an_owner(engine)
    async with async_sessionmaker(engine)() as session:
        codes = SqlaReferralCodeRepository(session, unit_of_work(session))
        with pytest.raises(RuntimeError, match="outside a write transaction"):
            await codes.add(a_code(owner))


async def test_a_later_writer_cannot_publish_an_id_before_an_earlier_one_commits(engine: AsyncEngine) -> None:
    """The gap a plain sequence leaves: A draws id N and is slow to commit; B draws N+1 and commits first.
    A reader between the two commits would see N+1, move its cursor past N, and never see N."""
    first_drawn = asyncio.Event()
    event = code_event(a_code(await an_owner(engine)), CodeState.ACTIVE, NOW)

    async def slow_writer() -> None:
        async with async_sessionmaker(engine)() as session, session.begin():
            await append_events(session, [event], NOW)
            first_drawn.set()
            await asyncio.sleep(0.3)

    async def quick_writer() -> None:
        await first_drawn.wait()
        async with async_sessionmaker(engine)() as session, session.begin():
            await append_events(session, [event], NOW)

    async def reader() -> list[int]:
        await first_drawn.wait()
        await asyncio.sleep(0.15)
        async with engine.connect() as connection:
            return list(
                (
                    await connection.execute(select(events.c.id).where(events.c.data.contains(str(event.subject_id))))
                ).scalars()
            )

    _, _, seen_midway = await asyncio.gather(slow_writer(), quick_writer(), reader())

    assert seen_midway == []


async def test_event_ids_grow_in_commit_order_under_concurrent_writers(engine: AsyncEngine) -> None:
    owners = [await an_owner(engine) for _ in range(10)]
    seen: list[int] = []

    async def create(owner: User) -> None:
        async with async_sessionmaker(engine)() as session:
            codes = SqlaReferralCodeRepository(session, unit_of_work(session))
            async with unit_of_work(session).write():
                await codes.add(a_code(owner))
                await asyncio.sleep(0.01)

    async def watch() -> None:
        # A feed reader polling while the writers commit: every id it sees is above all it saw before.
        for _ in range(40):
            async with engine.connect() as connection:
                after = max(seen, default=0)
                ids = (await connection.execute(select(events.c.id).where(events.c.id > after))).scalars().all()
            seen.extend(sorted(ids))
            await asyncio.sleep(0.005)

    await asyncio.gather(watch(), *(create(owner) for owner in owners))
    ids = [event_id for event_id, _, _ in await stored_events(engine, *owners)]

    assert len(ids) == 10
    assert seen == sorted(seen)


async def test_event_ids_never_go_back_once_the_feed_is_purged_empty(engine: AsyncEngine) -> None:
    event = code_event(a_code(await an_owner(engine)), CodeState.ACTIVE, NOW)
    async with async_sessionmaker(engine)() as session, session.begin():
        await append_events(session, [event, event], NOW)
    async with engine.connect() as connection:
        newest = (await connection.execute(select(func.max(events.c.id)))).scalar_one()
    async with engine.begin() as connection:
        await connection.execute(delete(events))

    async with async_sessionmaker(engine)() as session, session.begin():
        await append_events(session, [event], NOW)

    async with engine.connect() as connection:
        assert (await connection.execute(select(events.c.id))).scalar_one() > newest
