"""Authenticating an API key: a read kept for at most a second, and last uses written once a minute."""

from collections.abc import Mapping
from datetime import datetime, timedelta
from uuid import UUID

import pytest

from referrals.application.errors import InvalidApiKey
from referrals.application.ports.operators import ApiKeyQueries, ApiKeyUsage, KeyCaller
from referrals.application.use_cases.authenticate_api_key import CACHE_TTL, USAGE_FLUSH_INTERVAL, AuthenticateApiKey
from referrals.domain.api_keys import Scope, api_key_digest, new_api_key
from referrals.domain.ids import new_id
from tests.unit.application.fakes import FakeClock


class FakeApiKeyQueries(ApiKeyQueries):
    def __init__(self) -> None:
        self.in_force: dict[str, KeyCaller] = {}
        self.reads = 0

    async def in_force_by_digest(self, digest: str) -> KeyCaller | None:
        self.reads += 1
        return self.in_force.get(digest)

    def add(self, *scopes: Scope) -> tuple[str, KeyCaller]:
        key = new_api_key()
        caller = KeyCaller(key_id=new_id(), scopes=frozenset(scopes))
        self.in_force[api_key_digest(key)] = caller
        return key, caller

    def revoke(self, key: str) -> None:
        del self.in_force[api_key_digest(key)]


class FakeApiKeyUsage(ApiKeyUsage):
    def __init__(self) -> None:
        self.writes: list[dict[UUID, datetime]] = []

    async def record(self, last_used: Mapping[UUID, datetime]) -> None:
        if last_used:
            self.writes.append(dict(last_used))


@pytest.fixture
def queries() -> FakeApiKeyQueries:
    return FakeApiKeyQueries()


@pytest.fixture
def usage() -> FakeApiKeyUsage:
    return FakeApiKeyUsage()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def authenticate(queries: FakeApiKeyQueries, usage: FakeApiKeyUsage, clock: FakeClock) -> AuthenticateApiKey:
    return AuthenticateApiKey(queries, usage, clock)


async def test_a_key_in_force_is_its_caller(authenticate: AuthenticateApiKey, queries: FakeApiKeyQueries) -> None:
    key, caller = queries.add(Scope.REFERRALS_READ)

    found = await authenticate(key)

    assert found == caller
    assert found.has(Scope.REFERRALS_READ)
    assert not found.has(Scope.PROGRAM_WRITE)


async def test_an_unknown_key_is_refused_and_not_remembered(
    authenticate: AuthenticateApiKey, queries: FakeApiKeyQueries
) -> None:
    key = new_api_key()
    with pytest.raises(InvalidApiKey):
        await authenticate(key)

    # Created right after: it works at once, since a refusal is never cached.
    caller = KeyCaller(key_id=new_id(), scopes=frozenset({Scope.EVENTS_WRITE}))
    queries.in_force[api_key_digest(key)] = caller
    assert await authenticate(key) == caller


async def test_a_read_is_kept_for_less_than_a_second(
    authenticate: AuthenticateApiKey, queries: FakeApiKeyQueries, clock: FakeClock
) -> None:
    key, caller = queries.add(Scope.REFERRALS_READ)
    await authenticate(key)
    queries.revoke(key)

    clock.advance(CACHE_TTL - timedelta(microseconds=1))
    assert await authenticate(key) == caller
    assert queries.reads == 1

    clock.advance(timedelta(microseconds=1))
    with pytest.raises(InvalidApiKey):
        await authenticate(key)
    assert timedelta(seconds=1) >= CACHE_TTL


async def test_a_clock_that_went_back_reads_again(
    authenticate: AuthenticateApiKey, queries: FakeApiKeyQueries, clock: FakeClock
) -> None:
    key, _caller = queries.add(Scope.REFERRALS_READ)
    await authenticate(key)
    queries.revoke(key)

    clock.advance(-timedelta(seconds=5))

    with pytest.raises(InvalidApiKey):
        await authenticate(key)


async def test_the_first_use_is_written_and_the_next_ones_a_minute_later(
    authenticate: AuthenticateApiKey, queries: FakeApiKeyQueries, usage: FakeApiKeyUsage, clock: FakeClock
) -> None:
    key, caller = queries.add(Scope.REFERRALS_READ)
    first = clock.now()
    await authenticate(key)
    for _ in range(5):
        clock.advance(timedelta(seconds=10))
        await authenticate(key)
    assert usage.writes == [{caller.key_id: first}]

    clock.advance(USAGE_FLUSH_INTERVAL - timedelta(seconds=50))
    await authenticate(key)

    assert usage.writes == [{caller.key_id: first}, {caller.key_id: clock.now()}]


async def test_keys_are_written_each_on_its_own_minute(
    authenticate: AuthenticateApiKey, queries: FakeApiKeyQueries, usage: FakeApiKeyUsage, clock: FakeClock
) -> None:
    one, first = queries.add(Scope.REFERRALS_READ)
    other, second = queries.add(Scope.REFERRALS_READ)
    await authenticate(one)
    clock.advance(timedelta(seconds=30))
    await authenticate(other)
    await authenticate(one)

    assert [set(write) for write in usage.writes] == [{first.key_id}, {second.key_id}]


async def test_flush_writes_every_pending_use(
    authenticate: AuthenticateApiKey, queries: FakeApiKeyQueries, usage: FakeApiKeyUsage, clock: FakeClock
) -> None:
    key, caller = queries.add(Scope.REFERRALS_READ)
    await authenticate(key)
    clock.advance(timedelta(seconds=20))
    await authenticate(key)

    await authenticate.flush()
    await authenticate.flush()

    assert usage.writes == [{caller.key_id: clock.now() - timedelta(seconds=20)}, {caller.key_id: clock.now()}]
