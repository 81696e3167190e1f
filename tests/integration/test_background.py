"""The background work on real databases: each code expired and recorded once, however many processes run
the scheduler and whatever creates race it; purges that take what is past and leave what is not."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import msgspec
import pytest
from dishka import AsyncContainer
from sqlalchemy import insert, select

from referrals.adapters.persistence.engine import create_engine
from referrals.adapters.persistence.tables import events, referral_codes
from referrals.application.use_cases.create_referral_code import CreateReferralCode, NewCode
from referrals.application.use_cases.expire_codes import ExpireCodes
from referrals.application.use_cases.purge_events import PurgeEvents
from referrals.application.use_cases.purge_refresh_tokens import PurgeRefreshTokens
from referrals.bootstrap.app import create_app
from referrals.bootstrap.background import Job, Scheduler
from referrals.bootstrap.container import make_container
from referrals.domain.ids import new_id
from tests.api.conftest import Api, clock_provider, serving
from tests.background_rows import code_states, due_codes, expiry_events, stored_tokens, tokens
from tests.conftest import MutableClock, make_settings

CODES = 240
SMALL_BATCH = 7


@pytest.fixture
async def containers(database_url: str) -> AsyncIterator[list[AsyncContainer]]:
    """Three containers, as three processes would have: each its own engine and pool."""
    # Generous waits for a connection and a statement: on a loaded machine sixty creates queue a while for
    # the pool, and this is about who wins, not how fast.
    settings = make_settings(
        database_url, background_batch_size=SMALL_BATCH, db_pool_timeout=30, db_statement_timeout=30
    )
    built = [make_container(settings) for _ in range(3)]
    yield built
    for container in built:
        await container.close()


async def within(condition: Callable[[], Awaitable[bool]], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, f"not done within {seconds} s"
        await asyncio.sleep(0.05)


async def test_schedulers_racing_on_one_database_expire_each_code_once(
    database_url: str, containers: list[AsyncContainer]
) -> None:
    codes = await due_codes(database_url, CODES)
    settings = make_settings(database_url, background_batch_size=SMALL_BATCH).background
    schedulers = [Scheduler(container, settings, (Job(ExpireCodes),)) for container in containers]
    # Small batches, so that the schedulers' transactions overlap many times over; bounded rounds of ticks.
    for _ in range(CODES // SMALL_BATCH + 1):
        await asyncio.gather(*(scheduler.tick() for scheduler in schedulers))
        if (await code_states(database_url, codes))["active"] == 0:
            break

    assert await code_states(database_url, codes) == {"expired": CODES}
    assert await expiry_events(database_url, codes) == dict.fromkeys(codes, 1)


async def test_creates_retiring_codes_while_schedulers_expire_them_record_each_expiry_once(
    database_url: str, containers: list[AsyncContainer]
) -> None:
    codes = await due_codes(database_url, 60)
    owners = await owners_of(database_url, codes)

    async def expire(container: AsyncContainer) -> None:
        for _ in range(20):
            async with container() as request:
                if await (await request.get(ExpireCodes))(datetime.now(UTC), SMALL_BATCH) == 0:
                    return

    async def create_next(container: AsyncContainer, owner: UUID) -> None:
        async with container() as request:
            create = await request.get(CreateReferralCode)
            await create(NewCode(owner_id=owner, expires_at=datetime.now(UTC) + timedelta(days=1)))

    creator = containers[2]
    await asyncio.gather(
        expire(containers[0]), expire(containers[1]), *(create_next(creator, owner) for owner in owners)
    )

    assert await code_states(database_url, codes) == {"expired": len(codes)}
    assert await expiry_events(database_url, codes) == dict.fromkeys(codes, 1)


async def owners_of(database_url: str, codes: list[UUID]) -> list[UUID]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(referral_codes.c.owner_id).where(referral_codes.c.id.in_(codes)))
            return list(rows.scalars())
    finally:
        await engine.dispose()


async def test_the_token_purge_takes_expired_tokens_and_leaves_live_ones_spent_or_not(
    database_url: str, containers: list[AsyncContainer]
) -> None:
    gone = [
        await tokens(database_url, expires_in=-timedelta(seconds=1), used=True),
        await tokens(database_url, expires_in=-timedelta(days=3), revoked=True),
        await tokens(database_url, expires_in=-timedelta(seconds=1)),
    ]
    kept = [
        await tokens(database_url, expires_in=timedelta(minutes=1), used=True),
        await tokens(database_url, expires_in=timedelta(minutes=1), revoked=True),
        await tokens(database_url, expires_in=timedelta(days=1)),
    ]

    async with containers[0]() as request:
        purge = await request.get(PurgeRefreshTokens)
        assert await purge(datetime.now(UTC), 2) == 2
        assert await purge(datetime.now(UTC), 2) == 1
        assert await purge(datetime.now(UTC), 2) == 0

    assert await stored_tokens(database_url, gone + kept) == set(kept)


async def test_the_event_purge_takes_events_recorded_before_the_retention_period(
    database_url: str, containers: list[AsyncContainer]
) -> None:
    now = datetime.now(UTC)
    old, recent = new_id(), new_id()
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(events),
                [
                    {"type": "code.created", "occurred_at": at, "recorded_at": at, "subject_id": subject, "data": "{}"}
                    for subject, at in ((old, now - timedelta(days=31)), (recent, now - timedelta(days=29)))
                ],
            )
        async with containers[0]() as request:
            assert await (await request.get(PurgeEvents))(now, 500) >= 1
        async with engine.connect() as connection:
            left = set((await connection.execute(select(events.c.subject_id))).scalars())
    finally:
        await engine.dispose()

    assert old not in left
    assert recent in left


async def test_the_server_expires_codes_in_the_background(database_url: str, clock: MutableClock) -> None:
    settings = make_settings(database_url, background_work=True, background_interval=0.05)
    async with serving(create_app(settings, clock_provider(clock))) as client:
        api = Api(client)
        account = await api.account("ada@example.com")
        created = (await api.create_code(account, clock.now() + timedelta(minutes=1))).json()
        code_id = await id_of(database_url, created["code"])

        clock.current += timedelta(minutes=1)

        async def expired() -> bool:
            return bool(await expiry_events(database_url, [code_id]))

        await within(expired)

    recorded = await recorded_data(database_url, code_id)
    assert recorded["state"] == "expired"
    assert datetime.fromisoformat(str(recorded["ended_at"])) == datetime.fromisoformat(created["expires_at"])


async def id_of(database_url: str, code: str) -> UUID:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            found: UUID = (
                await connection.execute(select(referral_codes.c.id).where(referral_codes.c.code == code))
            ).scalar_one()
            return found
    finally:
        await engine.dispose()


async def recorded_data(database_url: str, code_id: UUID) -> dict[str, object]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            data = (
                await connection.execute(
                    select(events.c.data).where(events.c.type == "code.expired", events.c.subject_id == code_id)
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    decoded: dict[str, object] = msgspec.json.decode(data)
    return decoded


@pytest.mark.parametrize("work", [True, False])
def test_the_server_runs_a_scheduler_unless_told_not_to(database_url: str, *, work: bool) -> None:
    app = create_app(make_settings(database_url, background_work=work))

    hooks = [*app.on_startup, *app.on_shutdown]

    assert sum(isinstance(getattr(hook, "__self__", None), Scheduler) for hook in hooks) == (2 if work else 0)
