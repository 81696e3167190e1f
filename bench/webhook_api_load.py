"""The API's S1 (cached code lookups, wrk) on a real server, alone and while that server delivers a steady
stream of webhooks: what delivering costs the requests beside it (``bench/webhooks.py``'s last step).

The two alternate, three times each, and the medians are compared: on a small machine a run's p99 moves by
more than the difference measured, and alternating spreads that drift over both. The events are appended to
the outbox as the service appends them, ten at a time, by a bare session: this process's own cost (it shares
the machine's cores with the server) is kept to the least, so what is measured is the server's."""

import argparse
import asyncio
import signal
import statistics
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from run import PYTHON, ROOT, Load, load_together, seed, service, service_environment, warm_every_path
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from referrals.adapters.persistence.outbox import append_events
from referrals.domain.events import DomainEvent, EventType

REFERRERS = 2_000
BATCH = 10
ROUNDS = 3
WRK = {"connections": 64, "threads": 2, "timeout": 10}


@dataclass(frozen=True)
class ApiBesideWebhooks:
    p99_alone_ms: float
    p99_beside_ms: float
    committed: int  # events committed while S1 ran beside them, in all rounds
    delivered: int  # deliveries that arrived meanwhile

    @property
    def ratio(self) -> float:
        return self.p99_beside_ms / self.p99_alone_ms


async def seed_lookups(database_url: str, work: Path) -> str:
    """Referrers with codes; the file of the paths S1 looks up."""
    return (await seed(database_url, REFERRERS, work))["warm"]


async def s1_with_and_without_webhooks(
    database_url: str,
    lookup_paths: str,
    receiver: str,
    rate: float,
    seconds: int,
    *,
    in_worker: bool,
) -> ApiBesideWebhooks:
    """S1 alone, then S1 while ``rate`` events a second are committed for delivery to ``receiver``, ``ROUNDS``
    times, on the referrers ``seed_lookups`` made: delivered by the server itself (the default), or
    ``in_worker``, by a ``python -m referrals worker`` beside a server that does no background work."""
    environment = {
        "DATABASE_URL": database_url,
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
        "BACKGROUND_WORK": "false" if in_worker else "true",
    }
    wrk = argparse.Namespace(**WRK, duration=seconds)
    lookups = Load("S1", "get_paths.lua", {"BENCH_PATHS": lookup_paths})
    beside_webhooks = Load("S1 + webhooks", lookups.script, lookups.environment)
    alone: list[float] = []
    beside: list[float] = []
    committed = delivered = 0
    engine = create_async_engine(database_url)
    with service(environment, workers=1) as (url, _), _worker(environment, enabled=in_worker):
        await asyncio.to_thread(warm_every_path, url, lookup_paths, 2)
        for round_number in range(ROUNDS):
            (figures,) = await asyncio.to_thread(load_together, wrk, url, lookups)
            alone.append(figures.p99_ms)
            before = await _count(receiver)
            loading = asyncio.ensure_future(asyncio.to_thread(load_together, wrk, url, beside_webhooks))
            committed += await _commit_until(loading, engine, rate, f"api-load-{round_number}")
            (figures,) = await loading
            beside.append(figures.p99_ms)
            delivered += await _count(receiver) - before
    await engine.dispose()
    return ApiBesideWebhooks(statistics.median(alone), statistics.median(beside), committed, delivered)


@contextmanager
def _worker(environment: dict[str, str], *, enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    env = service_environment({**environment, "BACKGROUND_WORK": "true"}, 1, 0)
    worker = subprocess.Popen([PYTHON, "-m", "referrals", "worker"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


async def _commit_until(loading: "asyncio.Future[Any]", engine: AsyncEngine, rate: float, prefix: str) -> int:
    """``rate`` events a second, committed ``BATCH`` at a time, until ``loading`` is done; how many."""
    interval, next_at, number = BATCH / rate, time.perf_counter(), 0
    while not loading.done():
        now = datetime.now(UTC)
        batch = [
            DomainEvent(EventType.API_KEY_CREATED, now, uuid4(), {"name": f"{prefix}-{number + n}"})
            for n in range(BATCH)
        ]
        async with AsyncSession(engine) as session, session.begin():
            await append_events(session, batch, now)
        number += BATCH
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    return number


async def _count(receiver: str) -> int:
    async with httpx.AsyncClient() as client:
        return int((await client.get(f"{receiver}/count")).json())
