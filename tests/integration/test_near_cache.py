"""The in-process layer in front of Valkey: served from memory while subscribed, dropped by invalidations
from any process, and out of the way whenever the subscription is in doubt."""

import logging
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from valkey.asyncio import Valkey

from referrals.adapters.cache.near import LIVENESS_TIMEOUT, NearCodeCache
from referrals.adapters.cache.valkey import ValkeyCodeCache
from referrals.adapters.outage import OutageGate
from referrals.application.ports.codes import CacheMiss, LiveCode
from tests.conditions import eventually
from tests.faults import BlackholeProxy

LIVE = LiveCode(code="ABCDEFGHJKMNP", expires_at=datetime(2031, 1, 1, tzinfo=UTC))
EMAIL = "ada@example.com"


def gate() -> OutageGate:
    return OutageGate("test channel", 0.2, logging.getLogger("test.near"), meanwhile="remote only")


class Caches:
    def __init__(self, valkey_url: str) -> None:
        self.url = valkey_url
        self.namespace = f"test-{uuid.uuid4().hex}"
        self.clients: list[Valkey] = []
        self.caches: list[NearCodeCache] = []

    def client(self, url: str | None = None) -> Valkey:
        client: Valkey = Valkey.from_url(url or self.url, socket_timeout=2, socket_connect_timeout=2)
        self.clients.append(client)
        return client

    async def process(self, subscriber_url: str | None = None) -> NearCodeCache:
        """A cache as one server process holds it."""
        client = self.client()
        remote = ValkeyCodeCache(client, gate(), namespace=self.namespace)
        near = NearCodeCache(
            remote,
            publisher=client,
            subscriber=self.client(subscriber_url),
            gate=gate(),
            namespace=self.namespace,
            ttl_seconds=30,
            max_entries=100,
        )
        self.caches.append(near)
        await near.start()
        return near

    async def forget_everything(self) -> None:
        """Valkey forgets this test's keys (and only these: other tests share the server)."""
        client = self.client()
        keys = [key async for key in client.scan_iter(f"{self.namespace}:*")]
        if keys:
            await client.delete(*keys)

    async def close(self) -> None:
        for cache in self.caches:
            await cache.stop()
        for client in self.clients:
            await client.aclose()


@pytest.fixture
async def caches(valkey_url: str) -> AsyncIterator[Caches]:
    made = Caches(valkey_url)
    yield made
    await made.close()


async def cached_everywhere(*caches: NearCodeCache) -> None:
    for cache in caches:
        await eventually(lambda cache=cache: cache.listening)  # type: ignore[misc]  # a default binds each cache
    miss = await caches[0].get(EMAIL)
    assert isinstance(miss, CacheMiss)
    await caches[0].put(EMAIL, LIVE, miss, 60)
    for cache in caches:
        assert await cache.get(EMAIL) == LIVE  # from Valkey, and now in memory too


async def test_a_code_seen_once_is_served_from_memory(caches: Caches) -> None:
    near = await caches.process()
    await cached_everywhere(near)

    await caches.forget_everything()  # Valkey forgets it; the process does not

    assert await near.get(EMAIL) == LIVE


async def test_an_invalidation_anywhere_empties_every_process(caches: Caches) -> None:
    deleting, other = await caches.process(), await caches.process()
    await cached_everywhere(deleting, other)

    await deleting.invalidate(EMAIL)

    assert isinstance(await deleting.get(EMAIL), CacheMiss)  # at once, in the deleting process
    await eventually(lambda: EMAIL not in other._local._entries)
    assert isinstance(await other.get(EMAIL), CacheMiss)


async def test_the_window_between_a_delete_and_the_other_processes_is_measured(
    caches: Caches, capsys: pytest.CaptureFixture[str]
) -> None:
    deleting, other = await caches.process(), await caches.process()
    windows = []
    for _ in range(200):
        await cached_everywhere(deleting, other)
        started = time.perf_counter()
        await deleting.invalidate(EMAIL)
        await eventually(lambda: EMAIL not in other._local._entries)
        windows.append(time.perf_counter() - started)

    windows.sort()
    with capsys.disabled():
        print(  # noqa: T201 - the figures are what this test reports
            f"\nnear-cache invalidation reaches another process, 200 deletes: median "
            f"{statistics.median(windows) * 1000:.2f} ms, p99 {windows[197] * 1000:.2f} ms, "
            f"max {windows[-1] * 1000:.2f} ms (from the start of the delete's invalidation)"
        )
    assert statistics.median(windows) < 0.1


async def test_a_lost_subscription_stops_serving_from_memory(caches: Caches) -> None:
    parts = urlsplit(caches.url)
    async with BlackholeProxy(parts.port or 6379).running() as proxy:
        near = await caches.process(subscriber_url=caches.url.replace(f":{parts.port}", f":{proxy.port}"))
        await cached_everywhere(near)

        proxy.swallow()  # the channel falls silent: invalidations could be getting lost
        await eventually(lambda: not near.listening, timeout=LIVENESS_TIMEOUT + 2)
        await caches.forget_everything()

        assert isinstance(await near.get(EMAIL), CacheMiss)  # asked Valkey, which no longer has it
        proxy.relay()
        await eventually(lambda: near.listening, timeout=5)
        assert isinstance(await near.get(EMAIL), CacheMiss)


async def test_before_it_is_subscribed_nothing_is_kept_in_memory(caches: Caches) -> None:
    client = caches.client()
    remote = ValkeyCodeCache(client, gate(), namespace=caches.namespace)
    never_started = NearCodeCache(
        remote,
        publisher=client,
        subscriber=caches.client(),
        gate=gate(),
        namespace=caches.namespace,
        ttl_seconds=30,
        max_entries=100,
    )
    miss = await never_started.get(EMAIL)
    assert isinstance(miss, CacheMiss)
    await never_started.put(EMAIL, LIVE, miss, 60)
    assert await never_started.get(EMAIL) == LIVE

    await caches.forget_everything()

    assert isinstance(await never_started.get(EMAIL), CacheMiss)
