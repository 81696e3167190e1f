"""The hot reads' own asyncpg pool: in the pool gauges beside the engine's while open, closed in bounded time."""

import asyncio

from sqlalchemy import literal, select

from referrals.adapters.persistence.driver_reads import AsyncpgPoolReads
from referrals.adapters.persistence.engine import create_engine
from referrals.adapters.persistence.pool_metrics import pool_collector
from referrals.adapters.persistence.reads import ReadPoolLimits, committed_reads

LIMITS = ReadPoolLimits(size=2, acquire_timeout=2, connect_timeout=2, statement_timeout=2)


async def test_the_read_pools_connections_are_in_the_pool_gauges(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    before = pool_collector.sizes()
    try:
        async with committed_reads(engine, LIMITS) as reads:
            assert await reads.first(select(literal(1).label("one")), {}) == {"one": 1}
            while_open = pool_collector.sizes()
        after_close = pool_collector.sizes()
    finally:
        await engine.dispose()

    checked_out, idle = before
    assert while_open == (checked_out, idle + 1)  # the read's connection, back in its pool
    assert after_close == before


async def test_closing_the_read_pool_does_not_wait_for_a_connection_never_released(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    limits = ReadPoolLimits(size=2, acquire_timeout=0.2, connect_timeout=2, statement_timeout=0.2)
    try:
        async with asyncio.timeout(5):
            async with committed_reads(engine, limits) as reads:
                assert isinstance(reads, AsyncpgPoolReads)
                await reads._pool.acquire()  # and never released, as by a read whose task hangs
        # Within the time a read may take (without the bound, close() waits for the release for ever).
        assert reads._pool.is_closing()
    finally:
        await engine.dispose()
