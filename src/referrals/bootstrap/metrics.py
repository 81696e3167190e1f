"""``/metrics`` for one process or several.

With ``PROMETHEUS_MULTIPROC_DIR`` set, every worker writes its series to files in that directory and a
scrape, whichever worker answers it, adds them all up. A pool's size lives in its own process, so each
worker publishes its pools to the directory every second as gauges that count only while the worker is
alive; the main process empties the directory before any worker starts, and each worker removes its
gauges when it stops.
"""

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Final

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Gauge, generate_latest, multiprocess

from referrals.adapters.persistence.pool_metrics import CHECKED_OUT, CHECKED_OUT_HELP, IDLE, IDLE_HELP, pool_collector

MULTIPROCESS_DIRECTORY: Final = "PROMETHEUS_MULTIPROC_DIR"
POOL_PUBLISHING_INTERVAL: Final = 1.0


def multiprocess_directory() -> Path | None:
    value = os.environ.get(MULTIPROCESS_DIRECTORY)
    return Path(value) if value else None


def empty_multiprocess_directory() -> None:
    """In the main process, before the workers start: what an earlier run left would be added to this one's."""
    directory = multiprocess_directory()
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.glob("*.db"):
        leftover.unlink(missing_ok=True)


def scrape_registry() -> CollectorRegistry:
    if multiprocess_directory() is None:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def metrics_route(registry: CollectorRegistry) -> HTTPRouteHandler:
    @get("/metrics", include_in_schema=False, sync_to_thread=False)
    def metrics() -> Response[bytes]:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return metrics


class PoolGaugePublisher:
    """In each worker of a multi-process server: its pools' sizes into the shared directory, every second."""

    def __init__(self) -> None:
        # Not in the process's own registry, where the pool collector already answers to these names.
        self._checked_out = Gauge(CHECKED_OUT, CHECKED_OUT_HELP, registry=None, multiprocess_mode="livesum")
        self._idle = Gauge(IDLE, IDLE_HELP, registry=None, multiprocess_mode="livesum")
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._publish())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]

    async def _publish(self) -> None:
        while True:
            checked_out, idle = pool_collector.sizes()
            self._checked_out.set(checked_out)
            self._idle.set(idle)
            await asyncio.sleep(POOL_PUBLISHING_INTERVAL)
