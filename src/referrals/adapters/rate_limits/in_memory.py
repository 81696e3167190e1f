"""Attempt budgets in this process's memory: right for the embedded default, where one process serves."""

from typing import Final

from referrals.adapters.rate_limits.gcra import admit, interval
from referrals.application.ports.common import Clock
from referrals.application.ports.throttling import Rate, RateLimiter

DEFAULT_MAX_KEYS: Final = 100_000


class InMemoryRateLimiter(RateLimiter):
    """Atomic by construction: nothing awaits between reading a budget and writing it back.

    Bounded: past ``max_keys`` it drops spent budgets first, then the oldest; a dropped budget starts afresh,
    which forgives some attempts but never refuses one wrongly.
    """

    def __init__(self, clock: Clock, max_keys: int = DEFAULT_MAX_KEYS) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._arrivals: dict[str, float] = {}

    async def acquire(self, key: str, rate: Rate) -> float:
        now = self._clock.now().timestamp()
        wait, arrival = admit(self._arrivals.get(key), now, rate)
        if wait == 0:
            self._arrivals.pop(key, None)  # re-inserted last: the dict's order is the eviction order
            self._arrivals[key] = arrival
            self._bound(now)
        return wait

    async def release(self, key: str, rate: Rate) -> None:
        arrival = self._arrivals.get(key)
        if arrival is None:
            return
        arrival -= interval(rate)
        if arrival <= self._clock.now().timestamp():
            del self._arrivals[key]
        else:
            self._arrivals[key] = arrival

    def _bound(self, now: float) -> None:
        if len(self._arrivals) <= self._max_keys:
            return
        # Down to nine tenths, not just under the bound, so the sweep runs once per many insertions.
        self._arrivals = {key: arrival for key, arrival in self._arrivals.items() if arrival > now}
        target = self._max_keys * 9 // 10
        while len(self._arrivals) > target:
            del self._arrivals[next(iter(self._arrivals))]
