"""argon2id password hashing, kept off the event loop."""

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final, TypeVar

from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError

from referrals.application.ports import PasswordHasher

T = TypeVar("T")
# How far below the event loop's thread the hashing threads are scheduled. With as many hashing threads as
# cores, the kernel would otherwise share the cores evenly between 20 ms hashes and requests that need
# microseconds, and a burst of logins would multiply every other request's latency.
HASHING_NICENESS: Final = 10
MAX_NICENESS: Final = 19


def hashing_pool(threads: int) -> ThreadPoolExecutor:
    """The threads argon2 runs in, each scheduled below the event loop (where the platform allows it)."""
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="argon2", initializer=_defer_to_the_event_loop)


def _defer_to_the_event_loop() -> None:
    # Per-thread priorities are Linux's (a thread id is a process id to setpriority); elsewhere this is a no-op.
    with contextlib.suppress(OSError, AttributeError):
        thread = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(MAX_NICENESS, current + HASHING_NICENESS))


@dataclass(frozen=True, slots=True)
class Argon2Parameters:
    # OWASP's recommended minimum for argon2id: 19 MiB, two passes, one lane.
    time_cost: int = 2
    memory_cost_kib: int = 19 * 1024
    parallelism: int = 1


class Argon2PasswordHasher(PasswordHasher):
    """Hashes in a dedicated pool no wider than the machine, so hashing never starves the event loop's own work."""

    def __init__(self, parameters: Argon2Parameters, executor: ThreadPoolExecutor) -> None:
        self._hasher = Argon2Hasher(
            time_cost=parameters.time_cost,
            memory_cost=parameters.memory_cost_kib,
            parallelism=parameters.parallelism,
            type=Type.ID,
        )
        self._executor = executor
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await self._run(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        if password_hash is None:
            # Spend what a real verification costs, so an unknown account answers as slowly as a known one.
            if self._dummy_hash is None:
                self._dummy_hash = await self.hash("an unknown account's password")
            await self._run(self._verify, self._dummy_hash, password)
            return False
        return await self._run(self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def _run(self, function: Callable[..., T], *args: str) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)
