"""The shared Valkey cache and rate limiter; imported only when VALKEY_URL is set (the client is 11 MB)."""

import logging
from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide
from valkey.asyncio import BlockingConnectionPool, Valkey

from referrals.adapters.cache.near import NearCodeCache
from referrals.adapters.cache.valkey import ValkeyCodeCache
from referrals.adapters.outage import OutageGate
from referrals.adapters.rate_limits.valkey import ValkeyRateLimiter
from referrals.application.ports.codes import CodeCache
from referrals.application.ports.common import Clock
from referrals.application.ports.throttling import RateLimiter
from referrals.bootstrap.config import CodeSettings, ValkeySettings


class ValkeyCacheProvider(Provider):
    """Shared by every process and replica, so a delete anywhere is seen everywhere (and budgets are shared)."""

    @provide(scope=Scope.APP)
    async def valkey(self, settings: ValkeySettings) -> AsyncIterator[Valkey]:
        # A blocking pool waits (briefly) for a free connection; a plain one raises under load.
        if settings.url is None:
            msg = "the Valkey cache needs VALKEY_URL"
            raise RuntimeError(msg)
        pool = BlockingConnectionPool.from_url(
            settings.url,
            max_connections=settings.pool_size,
            timeout=settings.timeout,
            socket_connect_timeout=settings.timeout,
            socket_timeout=settings.timeout,
        )
        client = Valkey(connection_pool=pool)
        yield client
        await client.aclose()
        await pool.aclose()

    @provide(scope=Scope.APP)
    async def code_cache(
        self, client: Valkey, settings: ValkeySettings, codes: CodeSettings
    ) -> AsyncIterator[CodeCache]:
        gate = OutageGate(
            "the Valkey cache",
            settings.retry_after,
            logging.getLogger("referrals.cache"),
            meanwhile="serving from the database",
        )
        remote = ValkeyCodeCache(client, gate, namespace=settings.namespace)
        if codes.near_cache_ttl == 0:
            yield remote
            return
        assert settings.url is not None  # noqa: S101 - this provider is chosen only when it is set
        # Its own connection: a subscribed connection can do nothing else, and it waits without a timeout.
        subscriber = Valkey.from_url(settings.url, socket_connect_timeout=settings.timeout)
        near = NearCodeCache(
            remote,
            publisher=client,
            subscriber=subscriber,
            gate=OutageGate(
                "the code-invalidation channel",
                settings.retry_after,
                logging.getLogger("referrals.cache"),
                meanwhile="lookups skip process memory",
            ),
            namespace=settings.namespace,
            ttl_seconds=codes.near_cache_ttl,
            max_entries=codes.cache_max_entries,
        )
        await near.start()
        yield near
        await near.stop()
        await subscriber.aclose()

    @provide(scope=Scope.APP)
    def rate_limiter(self, client: Valkey, clock: Clock, settings: ValkeySettings) -> RateLimiter:
        gate = OutageGate(
            "Valkey, for rate limits,",
            settings.retry_after,
            logging.getLogger("referrals.rate_limits"),
            meanwhile="rate limits are not enforced",
        )
        return ValkeyRateLimiter(client, gate, clock, namespace=settings.namespace)
