"""Budgets of attempts, taken before the work they guard so that concurrent attempts cannot slip past."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from referrals.application.errors import InvalidCredentials, TooManyAttempts
from referrals.application.policies import LoginThrottlePolicy
from referrals.application.ports.throttling import Rate, RateLimiter


@dataclass(frozen=True, slots=True)
class Throttle:
    limiter: RateLimiter

    async def take(self, key: str, rate: Rate) -> None:
        """Take one attempt, or raise ``TooManyAttempts`` without taking any."""
        if not rate.enabled:
            return
        wait = await self.limiter.acquire(key, rate)
        if wait > 0:
            raise TooManyAttempts(retry_after=wait)

    async def give_back(self, key: str, rate: Rate) -> None:
        if rate.enabled:
            await self.limiter.release(key, rate)


@dataclass(frozen=True, slots=True)
class LoginThrottle:
    """Counts failed logins per client and per account-and-client."""

    throttle: Throttle
    policy: LoginThrottlePolicy

    @asynccontextmanager
    async def attempt(self, account: str, client: str) -> AsyncIterator[None]:
        """Reserve one attempt in each budget: ``InvalidCredentials`` from the block keeps them spent; success
        or any other error gives them back."""
        budgets = [
            (f"login-failures:client:{client}", self.policy.per_client),
            (f"login-failures:account:{account}:client:{client}", self.policy.per_account),
        ]
        taken: list[tuple[str, Rate]] = []
        try:
            for key, rate in budgets:
                await self.throttle.take(key, rate)
                taken.append((key, rate))
            yield
        except InvalidCredentials:
            raise
        except BaseException:
            await self._give_back(taken)
            raise
        else:
            await self._give_back(taken)

    async def _give_back(self, taken: list[tuple[str, Rate]]) -> None:
        for key, rate in taken:
            await self.throttle.give_back(key, rate)
