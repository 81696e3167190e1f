"""API keys on real databases: names and revocations decided by the database under real concurrency,
events recorded with the change (and never the secret), last uses written without a write per use."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import msgspec
import pytest
from dishka import AsyncContainer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from referrals.adapters.persistence.tables import api_keys, events
from referrals.application.use_cases.authenticate_api_key import USAGE_FLUSH_INTERVAL, AuthenticateApiKey
from referrals.application.use_cases.create_api_key import CreateApiKey, IssuedApiKey, NewApiKey
from referrals.application.use_cases.list_api_keys import ListApiKeys
from referrals.application.use_cases.revoke_api_key import RevokeApiKey
from referrals.bootstrap.container import make_container
from referrals.domain.api_keys import ApiKey, ApiKeyNameTaken, ApiKeyNotFound, Scope
from tests.api.conftest import clock_provider
from tests.conftest import MutableClock, make_settings

READ = frozenset({Scope.REFERRALS_READ})


@pytest.fixture
async def container(database_url: str, clock: MutableClock) -> AsyncIterator[AsyncContainer]:
    container = make_container(make_settings(database_url), clock_provider(clock))
    yield container
    await container.close()


async def create(container: AsyncContainer, name: str, scopes: frozenset[Scope] = READ) -> IssuedApiKey:
    async with container() as request_scope:
        return await (await request_scope.get(CreateApiKey))(NewApiKey(name=name, scopes=scopes))


async def revoke(container: AsyncContainer, id_or_name: str) -> ApiKey:
    async with container() as request_scope:
        return await (await request_scope.get(RevokeApiKey))(id_or_name)


async def listed(container: AsyncContainer) -> list[ApiKey]:
    async with container() as request_scope:
        return list(await (await request_scope.get(ListApiKeys))())


async def key_events(database_url: str, key: ApiKey | None = None) -> list[tuple[str, dict[str, object]]]:
    """The events about API keys (about ``key`` alone if given): the database may hold other tests' too."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(select(events.c.type, events.c.data).order_by(events.c.id))).all()
    finally:
        await engine.dispose()
    decoded = [(row.type, msgspec.json.decode(row.data)) for row in rows if row.type.startswith("api_key.")]
    return [(kind, data) for kind, data in decoded if key is None or data["id"] == str(key.id)]


async def test_concurrent_creations_of_one_name_leave_one_key(container: AsyncContainer) -> None:
    outcomes = await asyncio.gather(*(create(container, "exporter") for _ in range(12)), return_exceptions=True)

    created = [outcome for outcome in outcomes if isinstance(outcome, IssuedApiKey)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, ApiKeyNameTaken)]
    assert (len(created), len(refused)) == (1, 11), outcomes
    assert [key.name for key in await listed(container)] == ["exporter"]


async def test_concurrent_revocations_revoke_once_and_record_one_event(
    container: AsyncContainer, database_url: str
) -> None:
    issued = await create(container, "exporter")

    outcomes = await asyncio.gather(*(revoke(container, "exporter") for _ in range(8)), return_exceptions=True)

    assert sum(isinstance(outcome, ApiKey) for outcome in outcomes) == 1, outcomes
    assert sum(isinstance(outcome, ApiKeyNotFound) for outcome in outcomes) == 7, outcomes
    revoked = [data for kind, data in await key_events(database_url, issued.key) if kind == "api_key.revoked"]
    assert len(revoked) == 1


async def test_a_revoked_name_may_be_given_again_and_revoking_by_id_works(container: AsyncContainer) -> None:
    first = await create(container, "exporter")
    await revoke(container, str(first.key.id))
    second = await create(container, "exporter")

    keys = {key.id: key for key in await listed(container)}

    assert keys[first.key.id].revoked_at is not None
    assert keys[second.key.id].revoked_at is None
    with pytest.raises(ApiKeyNotFound):
        await revoke(container, str(first.key.id))
    with pytest.raises(ApiKeyNotFound):
        await revoke(container, "nobody")


async def test_events_record_the_lifecycle_without_the_secret_or_its_digest(
    container: AsyncContainer, database_url: str
) -> None:
    issued = await create(container, "exporter", frozenset({Scope.EVENTS_WRITE, Scope.REFERRALS_READ}))
    await revoke(container, "exporter")

    recorded = await key_events(database_url, issued.key)

    assert [kind for kind, _ in recorded] == ["api_key.created", "api_key.revoked"]
    created, revoked = (data for _, data in recorded)
    assert created["name"] == "exporter"
    assert created["scopes"] == ["events:write", "referrals:read"]
    assert created["revoked_at"] is None
    assert revoked["revoked_at"] is not None
    for _, data in recorded:
        text = msgspec.json.encode(data).decode()
        assert issued.secret not in text
        assert issued.secret.removeprefix("rk_") not in text
        assert issued.key.digest not in text


async def test_the_digest_alone_is_stored(container: AsyncContainer, database_url: str) -> None:
    issued = await create(container, "exporter")
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            row = (await connection.execute(select(api_keys))).one()
    finally:
        await engine.dispose()

    assert issued.secret.removeprefix("rk_") not in repr(tuple(row))
    assert row.digest == issued.key.digest


async def test_last_use_is_written_once_a_minute_and_when_the_process_ends(
    database_url: str, clock: MutableClock
) -> None:
    container = make_container(make_settings(database_url), clock_provider(clock))
    try:
        issued = await create(container, "exporter")
        authenticate = await container.get(AuthenticateApiKey)
        first_use = clock.now()
        await authenticate(issued.secret)
        clock.current += timedelta(seconds=30)
        await authenticate(issued.secret)
        (key,) = await listed(container)
        assert key.last_used_at == first_use

        clock.current += USAGE_FLUSH_INTERVAL
        await authenticate(issued.secret)
        (key,) = await listed(container)
        assert key.last_used_at == clock.now()

        clock.current += timedelta(seconds=5)
        await authenticate(issued.secret)
    finally:
        await container.close()

    container = make_container(make_settings(database_url), clock_provider(clock))
    try:
        (key,) = await listed(container)
    finally:
        await container.close()
    assert key.last_used_at == clock.now()
