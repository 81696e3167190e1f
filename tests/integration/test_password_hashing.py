"""The argon2 adapter on real threads: hashes verify, and the hashing threads yield the CPU to the event loop."""

import asyncio
import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from referrals.adapters.security.argon2 import (
    HASHING_NICENESS,
    MAX_NICENESS,
    Argon2Parameters,
    Argon2PasswordHasher,
    freed_memory_releaser,
    hashing_pool,
)
from tests.conditions import eventually

CHEAP = Argon2Parameters(time_cost=1, memory_cost_kib=1024, parallelism=1)


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    executor = hashing_pool(2)
    yield executor
    executor.shutdown(wait=True)


async def test_a_hash_verifies_its_password_and_no_other(pool: ThreadPoolExecutor) -> None:
    hasher = Argon2PasswordHasher(CHEAP, pool)

    password_hash = await hasher.hash("correct horse battery")

    assert password_hash.startswith("$argon2id$")
    assert await hasher.verify(password_hash, "correct horse battery")
    assert not await hasher.verify(password_hash, "correct horse batter")
    assert not await hasher.verify("not a hash", "correct horse battery")
    assert not await hasher.verify(None, "correct horse battery")


async def test_stronger_parameters_ask_for_a_rehash(pool: ThreadPoolExecutor) -> None:
    weak = Argon2PasswordHasher(CHEAP, pool)
    strong = Argon2PasswordHasher(Argon2Parameters(time_cost=2, memory_cost_kib=2048, parallelism=1), pool)
    weak_hash = await weak.hash("correct horse battery")

    assert strong.needs_rehash(weak_hash)
    assert not weak.needs_rehash(weak_hash)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread scheduling priorities are Linux's")
def test_hashing_threads_are_scheduled_below_the_thread_that_asks(pool: ThreadPoolExecutor) -> None:
    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    caller = niceness()

    hashing = pool.submit(niceness).result()

    assert hashing == min(MAX_NICENESS, caller + HASHING_NICENESS)
    assert niceness() == caller  # the caller's own priority is untouched


async def test_freed_memory_is_released_once_no_hash_is_pending(pool: ThreadPoolExecutor) -> None:
    pending_at_release: list[int] = []
    hasher = Argon2PasswordHasher(CHEAP, pool, release_memory=lambda: pending_at_release.append(hasher._pending))

    hashes = await asyncio.gather(*(hasher.hash(f"password {n}") for n in range(4)))
    await eventually(lambda: len(pending_at_release) == 1)

    assert len(set(hashes)) == 4
    assert pending_at_release == [0], "released once, after the last of four concurrent hashes"

    assert await hasher.verify(hashes[0], "password 0")
    await eventually(lambda: len(pending_at_release) == 2)

    assert pending_at_release == [0, 0]


@pytest.mark.skipif(freed_memory_releaser() is None, reason="needs glibc's malloc_trim")
def test_the_releaser_is_glibcs_malloc_trim() -> None:
    release = freed_memory_releaser()
    assert release is not None
    assert release() in {0, 1}  # 1: memory was handed back, 0: there was none to hand back
