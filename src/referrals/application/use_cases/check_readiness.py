from dataclasses import dataclass

from referrals.application.ports.codes import CodeCache
from referrals.application.ports.common import DatabaseProbe


@dataclass(frozen=True, slots=True)
class Readiness:
    database_reachable: bool
    cache_healthy: bool

    @property
    def ready(self) -> bool:
        # The cache is an optimisation: without it the service is slower, not down.
        return self.database_reachable


@dataclass(frozen=True, slots=True)
class CheckReadiness:
    """Whether this instance can serve: the database must answer; the cache only degrades."""

    database: DatabaseProbe
    cache: CodeCache

    async def __call__(self) -> Readiness:
        return Readiness(
            database_reachable=await self.database.is_reachable(),
            cache_healthy=await self.cache.is_healthy(),
        )
