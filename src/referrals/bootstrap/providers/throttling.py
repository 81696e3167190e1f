from dishka import Provider, Scope, provide

from referrals.adapters.rate_limits.in_memory import InMemoryRateLimiter
from referrals.application.policies import LoginThrottlePolicy
from referrals.application.ports.common import Clock
from referrals.application.ports.throttling import Rate, RateLimiter
from referrals.application.throttling import LoginThrottle, Throttle
from referrals.bootstrap.config import RateLimitSettings

MINUTE = 60


class ThrottlingProvider(Provider):
    """The attempt budgets the use cases keep; the limiter that stores them comes with the cache's provider."""

    throttle = provide(Throttle, scope=Scope.APP)
    login_throttle = provide(LoginThrottle, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def login_policy(self, settings: RateLimitSettings) -> LoginThrottlePolicy:
        return LoginThrottlePolicy(
            per_account=Rate(settings.login_failures_per_account, settings.login_account_window),
            per_client=Rate(settings.login_failures_per_client, MINUTE),
        )


class InProcessRateLimiterProvider(Provider):
    """Budgets in process memory: exact while one process serves every request."""

    @provide(scope=Scope.APP)
    def rate_limiter(self, clock: Clock) -> RateLimiter:
        return InMemoryRateLimiter(clock)
