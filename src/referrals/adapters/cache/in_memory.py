"""A process-local code cache for the embedded, single-process configuration."""

import time
from collections import OrderedDict

from referrals.adapters.cache import metrics
from referrals.application.ports.codes import CacheMiss, CodeCache, LiveCode


class InMemoryCodeCache(CodeCache):
    """Least-recently-used, bounded, with per-entry deadlines.

    Only correct while one process serves all requests: another process's deletes never reach it.

    One generation counter for all keys: an invalidation makes every fill that missed before it a no-op.
    Such fills are rare (they need a write to race a miss), and losing one only costs a later cache miss.
    """

    def __init__(self, max_entries: int = 100_000, backend: str = "memory") -> None:
        self._entries: OrderedDict[str, tuple[LiveCode, float]] = OrderedDict()
        self._max_entries = max_entries
        self._generation = 0
        self._hits = metrics.lookups.labels(backend=backend, result="hit")
        self._misses = metrics.lookups.labels(backend=backend, result="miss")

    async def get(self, email: str) -> LiveCode | CacheMiss:
        entry = self._entries.get(email)
        if entry is not None:
            code, deadline = entry
            if time.monotonic() < deadline:
                self._entries.move_to_end(email)
                self._hits.inc()
                return code
            del self._entries[email]
        self._misses.inc()
        return CacheMiss(generation=self._generation)

    async def put(self, email: str, code: LiveCode, miss: CacheMiss, ttl_seconds: float) -> None:
        if miss.generation != self._generation or ttl_seconds <= 0:
            return
        self._entries[email] = (code, time.monotonic() + ttl_seconds)
        self._entries.move_to_end(email)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def invalidate(self, email: str) -> None:
        self._generation += 1
        self._entries.pop(email, None)

    def clear(self) -> None:
        """Forget everything, and refuse every fill that missed before now."""
        self._generation += 1
        self._entries.clear()

    async def is_healthy(self) -> bool:
        return True
