"""The process-local code cache, on its own: misses, fills, deadlines, the LRU bound, generations."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from prometheus_client import REGISTRY

from referrals.adapters.cache import in_memory
from referrals.adapters.cache.in_memory import InMemoryCodeCache
from referrals.application.ports.codes import CacheMiss, LiveCode

ADA = LiveCode("ADA0000000000", datetime(2030, 1, 1, tzinfo=UTC))
BOB = LiveCode("B0B0000000000", datetime(2030, 1, 1, tzinfo=UTC))


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def monotonic(monkeypatch: pytest.MonkeyPatch) -> FakeMonotonic:
    # Only the cache module's view of ``time`` is replaced; the event loop keeps the real clock.
    clock = FakeMonotonic()
    monkeypatch.setattr(in_memory, "time", SimpleNamespace(monotonic=clock))
    return clock


async def fill(cache: InMemoryCodeCache, email: str, code: LiveCode, ttl: float = 60) -> None:
    miss = await cache.get(email)
    assert isinstance(miss, CacheMiss)
    await cache.put(email, code, miss, ttl)


def lookups(result: str) -> float:
    value = REGISTRY.get_sample_value("referrals_code_cache_lookups_total", {"backend": "memory", "result": result})
    return value or 0.0


async def test_an_empty_cache_misses() -> None:
    cache = InMemoryCodeCache()

    assert await cache.get("ada@example.com") == CacheMiss(generation=0)


async def test_a_filled_entry_is_served_per_key() -> None:
    cache = InMemoryCodeCache()

    await fill(cache, "ada@example.com", ADA)
    await fill(cache, "bob@example.com", BOB)

    assert await cache.get("ada@example.com") == ADA
    assert await cache.get("bob@example.com") == BOB
    assert isinstance(await cache.get("eve@example.com"), CacheMiss)


async def test_hits_and_misses_are_counted() -> None:
    cache = InMemoryCodeCache()
    hits, misses = lookups("hit"), lookups("miss")

    await fill(cache, "ada@example.com", ADA)
    await cache.get("ada@example.com")

    assert (lookups("hit") - hits, lookups("miss") - misses) == (1, 1)


async def test_invalidate_drops_the_entry_and_moves_the_generation_on() -> None:
    cache = InMemoryCodeCache()
    await fill(cache, "ada@example.com", ADA)

    await cache.invalidate("ada@example.com")

    assert await cache.get("ada@example.com") == CacheMiss(generation=1)


async def test_invalidating_an_absent_key_is_harmless() -> None:
    cache = InMemoryCodeCache()

    await cache.invalidate("nobody@example.com")

    assert await cache.get("nobody@example.com") == CacheMiss(generation=1)


async def test_a_fill_from_a_miss_taken_before_an_invalidation_is_ignored() -> None:
    cache = InMemoryCodeCache()
    miss = await cache.get("ada@example.com")
    assert isinstance(miss, CacheMiss)

    await cache.invalidate("ada@example.com")
    await cache.put("ada@example.com", ADA, miss, 60)

    assert isinstance(await cache.get("ada@example.com"), CacheMiss)


async def test_the_generation_is_shared_by_all_keys() -> None:
    cache = InMemoryCodeCache()
    miss = await cache.get("ada@example.com")
    assert isinstance(miss, CacheMiss)

    await cache.invalidate("bob@example.com")
    await cache.put("ada@example.com", ADA, miss, 60)

    assert isinstance(await cache.get("ada@example.com"), CacheMiss)


async def test_a_fill_after_a_fresh_miss_lands_after_an_invalidation() -> None:
    cache = InMemoryCodeCache()
    await cache.invalidate("ada@example.com")

    await fill(cache, "ada@example.com", ADA)

    assert await cache.get("ada@example.com") == ADA


@pytest.mark.parametrize("ttl", [0, -1])
async def test_a_fill_without_a_positive_ttl_is_ignored(ttl: float) -> None:
    cache = InMemoryCodeCache()

    await fill(cache, "ada@example.com", ADA, ttl)

    assert isinstance(await cache.get("ada@example.com"), CacheMiss)


async def test_an_entry_lives_until_its_deadline(monotonic: FakeMonotonic) -> None:
    cache = InMemoryCodeCache()
    await fill(cache, "ada@example.com", ADA, ttl=5)

    monotonic.now += 4.999
    assert await cache.get("ada@example.com") == ADA
    monotonic.now += 0.001
    assert isinstance(await cache.get("ada@example.com"), CacheMiss)


async def test_an_expired_entry_is_evicted_and_can_be_filled_again(monotonic: FakeMonotonic) -> None:
    cache = InMemoryCodeCache()
    await fill(cache, "ada@example.com", ADA, ttl=5)
    monotonic.now += 10

    await fill(cache, "ada@example.com", BOB, ttl=5)

    assert await cache.get("ada@example.com") == BOB
    assert list(cache._entries) == ["ada@example.com"]


async def test_a_refill_replaces_the_value_and_the_deadline(monotonic: FakeMonotonic) -> None:
    cache = InMemoryCodeCache()
    await fill(cache, "ada@example.com", ADA, ttl=5)
    monotonic.now += 4
    miss = CacheMiss(generation=0)

    await cache.put("ada@example.com", BOB, miss, 5)
    monotonic.now += 4

    assert await cache.get("ada@example.com") == BOB


async def test_the_least_recently_used_entry_is_evicted_past_the_bound() -> None:
    cache = InMemoryCodeCache(max_entries=2)
    await fill(cache, "a@example.com", ADA)
    await fill(cache, "b@example.com", BOB)
    await cache.get("a@example.com")  # a is now the most recently used

    await fill(cache, "c@example.com", ADA)

    assert len(cache._entries) == 2
    assert await cache.get("a@example.com") == ADA
    assert await cache.get("c@example.com") == ADA
    assert isinstance(await cache.get("b@example.com"), CacheMiss)


async def test_a_refill_counts_as_a_use() -> None:
    cache = InMemoryCodeCache(max_entries=2)
    await fill(cache, "a@example.com", ADA)
    await fill(cache, "b@example.com", BOB)
    await cache.put("a@example.com", BOB, CacheMiss(generation=0), 60)

    await fill(cache, "c@example.com", ADA)

    assert isinstance(await cache.get("b@example.com"), CacheMiss)
    assert await cache.get("a@example.com") == BOB


async def test_the_bound_holds_under_many_fills() -> None:
    cache = InMemoryCodeCache(max_entries=10)

    for n in range(100):
        await fill(cache, f"u{n}@example.com", ADA)

    assert len(cache._entries) == 10
    assert await cache.get("u99@example.com") == ADA
    assert isinstance(await cache.get("u89@example.com"), CacheMiss)


async def test_it_is_always_healthy() -> None:
    assert await InMemoryCodeCache().is_healthy() is True
