"""Connection-pool gauges, read from the engines' pools at scrape time."""

import weakref
from collections.abc import Iterator
from typing import Protocol

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

CHECKED_OUT, CHECKED_OUT_HELP = "referrals_db_pool_checked_out", "Connections in use."
IDLE, IDLE_HELP = "referrals_db_pool_idle", "Connections open and idle in the pool."


class DriverPool(Protocol):
    """A pool of the driver's own beside the engines' (the hot reads' on PostgreSQL)."""

    def sizes(self) -> tuple[int, int]:
        """Connections checked out, and connections open and idle."""
        ...


class PoolCollector(Collector):
    def __init__(self) -> None:
        self._engines: weakref.WeakSet[AsyncEngine] = weakref.WeakSet()
        self._driver_pools: weakref.WeakSet[DriverPool] = weakref.WeakSet()

    def track(self, engine: AsyncEngine) -> None:
        self._engines.add(engine)

    def forget(self, engine: AsyncEngine) -> None:
        self._engines.discard(engine)

    def track_driver_pool(self, pool: DriverPool) -> None:
        self._driver_pools.add(pool)

    def forget_driver_pool(self, pool: DriverPool) -> None:
        self._driver_pools.discard(pool)

    def sizes(self) -> tuple[int, int]:
        """Connections checked out and connections idle, over every tracked pool of this process."""
        pools = [engine.pool for engine in self._engines if isinstance(engine.pool, QueuePool)]
        driver_sizes = [pool.sizes() for pool in self._driver_pools]
        checked_out = sum(pool.checkedout() for pool in pools) + sum(used for used, _ in driver_sizes)
        idle = sum(pool.checkedin() for pool in pools) + sum(idle for _, idle in driver_sizes)
        return checked_out, idle

    def collect(self) -> Iterator[GaugeMetricFamily]:
        checked_out, idle = self.sizes()
        checked_out_family = GaugeMetricFamily(CHECKED_OUT, CHECKED_OUT_HELP)
        idle_family = GaugeMetricFamily(IDLE, IDLE_HELP)
        checked_out_family.add_metric([], checked_out)
        idle_family.add_metric([], idle)
        yield checked_out_family
        yield idle_family


pool_collector = PoolCollector()
REGISTRY.register(pool_collector)
