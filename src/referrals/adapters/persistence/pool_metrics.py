"""Connection-pool gauges, read from the engines' pools at scrape time."""

import weakref
from collections.abc import Iterator

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool


class PoolCollector(Collector):
    def __init__(self) -> None:
        self._engines: weakref.WeakSet[AsyncEngine] = weakref.WeakSet()

    def track(self, engine: AsyncEngine) -> None:
        self._engines.add(engine)

    def forget(self, engine: AsyncEngine) -> None:
        self._engines.discard(engine)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        checked_out = GaugeMetricFamily("referrals_db_pool_checked_out", "Connections in use.")
        idle = GaugeMetricFamily("referrals_db_pool_idle", "Connections open and idle in the pool.")
        pools = [engine.pool for engine in self._engines if isinstance(engine.pool, QueuePool)]
        checked_out.add_metric([], sum(pool.checkedout() for pool in pools))
        idle.add_metric([], sum(pool.checkedin() for pool in pools))
        yield checked_out
        yield idle


pool_collector = PoolCollector()
REGISTRY.register(pool_collector)
