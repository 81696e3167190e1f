"""Connection-pool gauges, read from the engines' pools at scrape time."""

import weakref
from collections.abc import Iterator

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

CHECKED_OUT, CHECKED_OUT_HELP = "referrals_db_pool_checked_out", "Connections in use."
IDLE, IDLE_HELP = "referrals_db_pool_idle", "Connections open and idle in the pool."


class PoolCollector(Collector):
    def __init__(self) -> None:
        self._engines: weakref.WeakSet[AsyncEngine] = weakref.WeakSet()

    def track(self, engine: AsyncEngine) -> None:
        self._engines.add(engine)

    def forget(self, engine: AsyncEngine) -> None:
        self._engines.discard(engine)

    def sizes(self) -> tuple[int, int]:
        """Connections checked out and connections idle, over every tracked pool of this process."""
        pools = [engine.pool for engine in self._engines if isinstance(engine.pool, QueuePool)]
        return sum(pool.checkedout() for pool in pools), sum(pool.checkedin() for pool in pools)

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
