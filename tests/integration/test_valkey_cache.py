"""The Valkey cache against a real server: hits, misses, invalidation, garbage, expiry, outages."""

import asyncio
import logging
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from valkey.asyncio import BlockingConnectionPool, Valkey

from referrals.adapters.cache.valkey import FORMAT_VERSION, UNFILLABLE, ValkeyCodeCache
from referrals.adapters.outage import OutageGate
from referrals.application.ports.codes import CacheMiss, LiveCode
from referrals.bootstrap.app import create_app
from tests.api.conftest import Api, clock_provider, serving
from tests.conftest import MutableClock, make_settings, unavailable

LIVE = LiveCode(code="ABCDEFGHJKMNP", expires_at=datetime(2031, 1, 1, tzinfo=UTC))


def client_for(url: str, timeout: float = 0.25) -> Valkey:
    pool = BlockingConnectionPool.from_url(
        url, max_connections=8, timeout=timeout, socket_connect_timeout=timeout, socket_timeout=timeout
    )
    return Valkey(connection_pool=pool)


@pytest.fixture
async def raw(valkey_url: str) -> AsyncIterator[Valkey]:
    client = client_for(valkey_url)
    yield client
    await client.aclose()


@pytest.fixture
def namespace() -> str:
    return f"test-{uuid.uuid4().hex}"


async def a_miss(cache: ValkeyCodeCache, email: str) -> CacheMiss:
    miss = await cache.get(email)
    assert isinstance(miss, CacheMiss)
    return miss


@pytest.fixture
def cache(raw: Valkey, namespace: str) -> ValkeyCodeCache:
    return ValkeyCodeCache(
        raw, OutageGate("test cache", 1.0, logging.getLogger("test"), "reading the database"), namespace=namespace
    )


async def test_a_miss_then_a_fill_then_a_hit(cache: ValkeyCodeCache) -> None:
    miss = await cache.get("ada@example.com")
    assert isinstance(miss, CacheMiss)

    await cache.put("ada@example.com", LIVE, miss, ttl_seconds=60)

    assert await cache.get("ada@example.com") == LIVE


async def test_the_ttl_is_applied_on_the_server(cache: ValkeyCodeCache, raw: Valkey, namespace: str) -> None:
    miss = await a_miss(cache, "ada@example.com")
    await cache.put("ada@example.com", LIVE, miss, ttl_seconds=30)

    ttl_ms = await raw.pttl(f"{namespace}:{FORMAT_VERSION}:code:ada@example.com")

    assert 25_000 < ttl_ms <= 30_000


async def test_invalidate_removes_the_entry(cache: ValkeyCodeCache) -> None:
    await cache.put("ada@example.com", LIVE, await a_miss(cache, "ada@example.com"), 60)

    await cache.invalidate("ada@example.com")

    assert isinstance(await cache.get("ada@example.com"), CacheMiss)


async def test_a_fill_that_raced_an_invalidation_is_refused(cache: ValkeyCodeCache) -> None:
    miss = await a_miss(cache, "ada@example.com")  # a lookup misses and goes to the database ...
    await cache.invalidate("ada@example.com")  # ... meanwhile the code is deleted ...
    await cache.put("ada@example.com", LIVE, miss, 60)  # ... and the lookup fills late

    assert isinstance(await cache.get("ada@example.com"), CacheMiss)


async def test_invalidation_of_one_email_leaves_others_cached(cache: ValkeyCodeCache) -> None:
    await cache.put("bob@example.com", LIVE, await a_miss(cache, "bob@example.com"), 60)

    await cache.invalidate("ada@example.com")

    assert await cache.get("bob@example.com") == LIVE


@pytest.mark.parametrize(
    "garbage", [b"\x00\xffnot json", b'{"code": 12}', b"[]", b'{"code": "X", "expires_at": "soon"}']
)
async def test_a_key_holding_garbage_reads_as_a_miss_and_is_replaced(
    cache: ValkeyCodeCache, raw: Valkey, namespace: str, garbage: bytes
) -> None:
    await raw.set(f"{namespace}:{FORMAT_VERSION}:code:ada@example.com", garbage)

    miss = await cache.get("ada@example.com")
    assert isinstance(miss, CacheMiss)
    await cache.put("ada@example.com", LIVE, miss, 60)

    assert await cache.get("ada@example.com") == LIVE


async def test_a_garbage_generation_makes_the_miss_unfillable(
    cache: ValkeyCodeCache, raw: Valkey, namespace: str
) -> None:
    await raw.set(f"{namespace}:{FORMAT_VERSION}:generation:ada@example.com", b"not a number")

    assert await cache.get("ada@example.com") == UNFILLABLE


async def test_namespaces_do_not_see_each_other(raw: Valkey, cache: ValkeyCodeCache) -> None:
    other = ValkeyCodeCache(
        raw, OutageGate("other", 1.0, logging.getLogger("test"), "reading the database"), namespace="someone-else"
    )
    await cache.put("ada@example.com", LIVE, await a_miss(cache, "ada@example.com"), 60)

    assert isinstance(await other.get("ada@example.com"), CacheMiss)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ThrowawayValkey:
    """A cache server of the test's own, on its own port, that the test may stop and start at will."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._directory = directory
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("valkey-server") or shutil.which("redis-server")
        assert binary is not None
        self._process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self._directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("the throwaway cache server did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None


@pytest.fixture
def throwaway_valkey(tmp_path: Path) -> Iterator[ThrowawayValkey]:
    if not (shutil.which("valkey-server") or shutil.which("redis-server")):
        unavailable("neither valkey-server nor redis-server is installed, so the outage tests cannot run")
    server = ThrowawayValkey(tmp_path)
    server.start()
    yield server
    server.stop()


async def test_an_unreachable_server_costs_little_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    client = client_for(f"redis://127.0.0.1:{free_port()}/0")
    cache = ValkeyCodeCache(
        client, OutageGate("test cache", 60.0, logging.getLogger("test.outage"), "serving from the database")
    )
    caplog.set_level(logging.WARNING, logger="test.outage")

    started = time.perf_counter()
    results = [await cache.get("ada@example.com") for _ in range(50)]
    elapsed = time.perf_counter() - started
    await cache.put("ada@example.com", LIVE, CacheMiss(generation=0), 60)
    await cache.invalidate("ada@example.com")
    await client.aclose()

    assert all(result == UNFILLABLE for result in results)
    assert elapsed < 1.0
    assert sum("unavailable" in record.message for record in caplog.records) == 1


async def test_lookups_survive_the_server_dying_and_use_it_again_when_it_returns(
    database_url: str, throwaway_valkey: ThrowawayValkey
) -> None:
    settings = make_settings(database_url, valkey_url=throwaway_valkey.url, valkey_retry_after=0.2)
    async with serving(create_app(settings, clock_provider(MutableClock()))) as client:
        api = Api(client)
        ada = await api.account("ada@example.com")
        code = (await api.create_code(ada)).json()["code"]
        assert (await api.code_of("ada@example.com")).json()["code"] == code

        throwaway_valkey.stop()
        during = [await api.code_of("ada@example.com") for _ in range(5)]
        deleted = await client.delete("/referral-code/delete", headers=ada.headers)
        after_delete = await api.code_of("ada@example.com")
        recreated = (await api.create_code(ada)).json()["code"]

        throwaway_valkey.start()
        await asyncio.sleep(0.3)  # past the outage gate's retry delay
        recovered = [await api.code_of("ada@example.com") for _ in range(3)]
        probe = client_for(throwaway_valkey.url)
        cached_keys = await probe.keys("referrals:*:code:*")
        await probe.aclose()

    assert [response.json()["code"] for response in during] == [code] * 5
    assert deleted.status_code == 204
    assert after_delete.status_code == 404
    assert [response.json()["code"] for response in recovered] == [recreated] * 3
    assert cached_keys, "after recovery, lookups fill the cache again"


async def test_no_reader_sees_a_code_after_the_delete_answered(database_url: str, valkey_url: str) -> None:
    settings = make_settings(database_url, valkey_url=valkey_url, valkey_namespace=f"test-{uuid.uuid4().hex}")
    async with serving(create_app(settings)) as client:
        api = Api(client)
        ada = await api.account("ada@example.com")
        await api.create_code(ada, datetime.now(UTC) + timedelta(days=1))
        deleted_at: list[float] = []
        observations: list[tuple[float, int]] = []

        async def reader() -> None:
            while not deleted_at or time.perf_counter() - deleted_at[0] < 0.3:
                started = time.perf_counter()
                response = await api.code_of("ada@example.com")
                observations.append((started, response.status_code))
                # A lookup answered from process memory never waits on I/O: without a pause the readers
                # would keep the event loop (and the GIL the database threads need) all to themselves.
                await asyncio.sleep(0.001)

        async def deleter() -> None:
            await asyncio.sleep(0.1)
            response = await client.delete("/referral-code/delete", headers=ada.headers)
            assert response.status_code == 204
            deleted_at.append(time.perf_counter())

        await asyncio.gather(*(reader() for _ in range(8)), deleter())

    after = [status for started, status in observations if started > deleted_at[0]]
    before = [status for started, status in observations if started < deleted_at[0] - 0.05]
    assert after
    assert set(after) == {404}
    assert 200 in before
