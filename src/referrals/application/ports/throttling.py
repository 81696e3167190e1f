"""Attempt budgets shared by every process."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Rate:
    """``limit`` attempts at once, then one more every ``period / limit`` seconds; a limit of 0 means no limit."""

    limit: int
    period_seconds: float

    @property
    def enabled(self) -> bool:
        return self.limit > 0


class RateLimiter(Protocol):
    """Attempt budgets by key, shared by every process that shares the limiter's store."""

    async def acquire(self, key: str, rate: Rate) -> float:
        """Take one attempt from the key's budget: 0 when taken, else the seconds until one is free (none taken).

        Atomic: of N concurrent calls on a fresh key, exactly ``rate.limit`` succeed.
        """
        ...

    async def release(self, key: str, rate: Rate) -> None:
        """Give back one attempt taken by ``acquire``."""
        ...
