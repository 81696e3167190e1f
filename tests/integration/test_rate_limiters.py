"""Both rate limiters keep the same contract; Valkey's also shares budgets and fails open."""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from valkey.asyncio import Valkey

from referrals.adapters.outage import OutageGate
from referrals.adapters.rate_limits.in_memory import InMemoryRateLimiter
from referrals.adapters.rate_limits.valkey import ValkeyRateLimiter
from referrals.application.ports.throttling import Rate, RateLimiter
from tests.conftest import MutableClock
from tests.processes import free_port

FIVE_A_MINUTE = Rate(limit=5, period_seconds=60)


def gate(name: str = "test limiter", logger: str = "test.rate_limits") -> OutageGate:
    return OutageGate(name, 60.0, logging.getLogger(logger), meanwhile="not limiting")


@pytest.fixture
async def valkey_client(valkey_url: str) -> AsyncIterator[Valkey]:
    client = Valkey.from_url(valkey_url, socket_timeout=2, socket_connect_timeout=2)
    yield client
    await client.aclose()


@pytest.fixture(params=["memory", "valkey"])
def limiter(request: pytest.FixtureRequest, clock: MutableClock) -> RateLimiter:
    if request.param == "memory":
        return InMemoryRateLimiter(clock)
    client = request.getfixturevalue("valkey_client")
    return ValkeyRateLimiter(client, gate(), clock, namespace=f"test-{uuid.uuid4().hex}")


async def test_of_many_concurrent_attempts_exactly_the_limit_pass(limiter: RateLimiter) -> None:
    waits = await asyncio.gather(*(limiter.acquire("k", FIVE_A_MINUTE) for _ in range(40)))

    assert sum(wait == 0 for wait in waits) == 5
    assert all(wait == pytest.approx(12, abs=0.01) for wait in waits if wait)


async def test_budgets_refill_one_attempt_per_interval(limiter: RateLimiter, clock: MutableClock) -> None:
    for _ in range(5):
        assert await limiter.acquire("k", FIVE_A_MINUTE) == 0
    assert await limiter.acquire("k", FIVE_A_MINUTE) > 0

    clock.current += timedelta(seconds=12)

    assert await limiter.acquire("k", FIVE_A_MINUTE) == 0
    assert await limiter.acquire("k", FIVE_A_MINUTE) > 0
    clock.current += timedelta(seconds=60)
    assert [await limiter.acquire("k", FIVE_A_MINUTE) for _ in range(6)].count(0) == 5


async def test_a_released_attempt_can_be_taken_again(limiter: RateLimiter) -> None:
    for _ in range(5):
        await limiter.acquire("k", FIVE_A_MINUTE)

    await limiter.release("k", FIVE_A_MINUTE)

    assert await limiter.acquire("k", FIVE_A_MINUTE) == 0
    assert await limiter.acquire("k", FIVE_A_MINUTE) > 0


async def test_releasing_more_than_was_taken_grants_nothing_extra(limiter: RateLimiter) -> None:
    await limiter.acquire("k", FIVE_A_MINUTE)
    for _ in range(10):
        await limiter.release("k", FIVE_A_MINUTE)

    assert [await limiter.acquire("k", FIVE_A_MINUTE) for _ in range(6)].count(0) == 5


async def test_keys_have_separate_budgets(limiter: RateLimiter) -> None:
    for _ in range(5):
        await limiter.acquire("a", FIVE_A_MINUTE)

    assert await limiter.acquire("b", FIVE_A_MINUTE) == 0


async def test_two_valkey_limiters_on_one_namespace_share_budgets(valkey_client: Valkey, clock: MutableClock) -> None:
    namespace = f"test-{uuid.uuid4().hex}"
    first = ValkeyRateLimiter(valkey_client, gate(), clock, namespace=namespace)
    second = ValkeyRateLimiter(valkey_client, gate(), clock, namespace=namespace)

    waits = [await (first if n % 2 else second).acquire("k", FIVE_A_MINUTE) for n in range(8)]

    assert waits.count(0) == 5


async def test_valkey_keys_hold_a_digest_not_the_email(valkey_client: Valkey, clock: MutableClock) -> None:
    namespace = f"test-{uuid.uuid4().hex}"
    await ValkeyRateLimiter(valkey_client, gate(), clock, namespace=namespace).acquire("ada@example.com", FIVE_A_MINUTE)

    keys = [key.decode() async for key in valkey_client.scan_iter(f"{namespace}:*")]

    assert len(keys) == 1
    assert "ada" not in keys[0]
    assert keys[0].startswith(f"{namespace}:v1:rate:")
    assert 0 < await valkey_client.pttl(keys[0]) <= 12_000


async def test_an_unreachable_valkey_fails_open_and_warns_once(
    clock: MutableClock, caplog: pytest.LogCaptureFixture
) -> None:
    client = Valkey.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.2, socket_connect_timeout=0.2)
    limiter = ValkeyRateLimiter(client, gate(logger="test.fail_open"), clock)
    caplog.set_level(logging.WARNING, logger="test.fail_open")

    waits = [await limiter.acquire("k", FIVE_A_MINUTE) for _ in range(20)]
    await limiter.release("k", FIVE_A_MINUTE)

    assert waits == [0] * 20
    assert len(caplog.records) == 1
    assert "not limiting until it is back" in caplog.records[0].getMessage()
    await client.aclose()


async def test_the_in_memory_limiter_stays_bounded(clock: MutableClock) -> None:
    limiter = InMemoryRateLimiter(clock, max_keys=100)

    for n in range(1000):
        await limiter.acquire(f"client-{n}", FIVE_A_MINUTE)

    assert len(limiter._arrivals) <= 100
    assert await limiter.acquire("client-999", FIVE_A_MINUTE) == 0
