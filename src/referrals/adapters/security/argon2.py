"""argon2id password hashing, kept off the event loop."""

import asyncio
import contextlib
import ctypes
import ctypes.util
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final, TypeVar

from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError

from referrals.application.ports.accounts import PasswordHasher

T = TypeVar("T")
# How far below the event loop's thread the hashing threads are scheduled. With as many hashing threads as
# cores, the kernel would otherwise share the cores evenly between hashes that take milliseconds and requests
# that need microseconds; lowered, they yield to lookups without slowing logins (bench/README.md has figures).
HASHING_NICENESS: Final = 10
MAX_NICENESS: Final = 19


def hashing_pool(threads: int) -> ThreadPoolExecutor:
    """The threads argon2 runs in, each scheduled below the event loop (where the platform allows it)."""
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="argon2", initializer=_defer_to_the_event_loop)


def freed_memory_releaser() -> Callable[[], object] | None:
    """glibc's ``malloc_trim``, which hands freed heap pages back to the system; None where there is none."""
    try:
        malloc_trim = ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    malloc_trim.argtypes = [ctypes.c_size_t]
    malloc_trim.restype = ctypes.c_int
    return functools.partial(malloc_trim, 0)  # keep no padding at the top of the heap


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
    """Hashes in a dedicated pool no wider than the machine, so hashing never starves the event loop's own work.

    Each hash works in 19 MiB (by default) that the allocator keeps once freed, wherever other allocations
    landed around it. When no hash is pending any more, ``release_memory`` hands it back (about 4 ms, in a
    hashing thread): a worker between bursts of logins is back to its resting size, and a steady stream of
    logins keeps its memory as long as it needs it.
    """

    def __init__(
        self,
        parameters: Argon2Parameters,
        executor: ThreadPoolExecutor,
        release_memory: Callable[[], object] | None = None,
    ) -> None:
        self._hasher = Argon2Hasher(
            time_cost=parameters.time_cost,
            memory_cost=parameters.memory_cost_kib,
            parallelism=parameters.parallelism,
            type=Type.ID,
        )
        self._executor = executor
        self._release_memory = release_memory
        self._pending = 0
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
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)
        finally:
            self._pending -= 1
            if self._pending == 0 and self._release_memory is not None:
                with contextlib.suppress(RuntimeError):  # the pool has shut down: the process is ending anyway
                    self._executor.submit(self._release_memory)
