"""The API's S1 (cached code lookups, wrk) on a real server, alone and then while that server delivers a
steady stream of webhooks: what delivering costs the requests beside it (``bench/webhooks.py``'s last step)."""

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from run import Figures, Load, load_together, seed, service, warm_every_path

REFERRERS = 2_000
WRK = {"connections": 64, "threads": 2, "timeout": 10}


async def s1_with_and_without_webhooks(
    database_url: str,
    work: Path,
    commit: Callable[[str], Awaitable[float]],
    receiver: str,
    rate: float,
    seconds: int,
) -> tuple[Figures, Figures, int, int]:
    """S1 alone, then S1 while ``commit`` records ``rate`` events a second for the server's dispatcher to
    deliver to ``receiver``; how many events were committed meanwhile, and how many deliveries arrived."""
    files = await seed(database_url, REFERRERS, work)
    environment = {"DATABASE_URL": database_url, "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true", "BACKGROUND_WORK": "true"}
    wrk = argparse.Namespace(**WRK, duration=seconds)
    lookups = Load("S1", "get_paths.lua", {"BENCH_PATHS": files["warm"]})
    with service(environment, workers=1) as (url, _):
        await asyncio.to_thread(warm_every_path, url, files["warm"], 2)
        (alone,) = await asyncio.to_thread(load_together, wrk, url, lookups)
        before = await _count(receiver)
        loading = asyncio.ensure_future(
            asyncio.to_thread(load_together, wrk, url, Load("S1 + webhooks", lookups.script, lookups.environment))
        )
        interval, next_at, number = 1 / rate, time.perf_counter(), 0
        while not loading.done():
            await commit(f"api-load-{number}")
            number += 1
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        (beside,) = await loading
        delivered = await _count(receiver) - before
    return alone, beside, number, delivered


async def _count(receiver: str) -> int:
    async with httpx.AsyncClient() as client:
        return int((await client.get(f"{receiver}/count")).json())
