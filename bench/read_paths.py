"""The PostgreSQL read paths side by side, in one process: 64 concurrent callers on the lookup port.

    python bench/read_paths.py [--seconds 3] [--rounds 3] [--callers 64]

Each way of running the hot selects serves ``SqlaLiveCodeQueries.live_by_owner_email`` and
``SqlaUserQueries.by_id`` (S2's and S3's database reads) in turn, in interleaved rounds, on the same
seeded database, on uvloop as under Granian; the figures are reads per second and latency percentiles.
Nothing here asserts a time.
"""

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

import asyncpg
import uvloop
from run import ROOT, database, seed
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from referrals.adapters.persistence.driver_reads import AsyncpgPoolReads, CompiledRead
from referrals.adapters.persistence.engine import create_engine
from referrals.adapters.persistence.live_codes import SqlaLiveCodeQueries
from referrals.adapters.persistence.reads import AsyncEngineReads, CommittedReads, ReadPoolLimits
from referrals.adapters.persistence.tables import users
from referrals.adapters.persistence.users import SqlaUserQueries
from referrals.bootstrap.config import Settings

DEFAULTS = Settings()
LIMITS = ReadPoolLimits(
    size=DEFAULTS.database.pool_size,
    acquire_timeout=DEFAULTS.database.pool_timeout,
    connect_timeout=DEFAULTS.database.connect_timeout,
    statement_timeout=DEFAULTS.database.statement_timeout,
)


class EngineCheckoutDriverReads(CommittedReads):
    """(b): each statement compiled once, run on the driver connection of a connection checked out of the engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._compiled: dict[Select[Any], CompiledRead] = {}

    async def all(self, statement: Select[Any], parameters: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
        raise NotImplementedError("the hot paths compared here read single rows")

    async def first(self, statement: Select[Any], parameters: Mapping[str, Any]) -> Mapping[str, Any] | None:
        read = self._compiled.get(statement)
        if read is None:
            read = self._compiled[statement] = CompiledRead.of(statement, self._engine.dialect)
        async with self._engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            record = await driver.fetchrow(read.sql, *read.positional(parameters))  # type: ignore[union-attr]
        return None if record is None else read.row(record)


class BareAsyncpgPool(CommittedReads):
    """The baseline: asyncpg's pool as it comes (its session reset on every release), the SQL written by hand."""

    SQL: ClassVar[dict[str, str]] = {
        "lookup": (
            "SELECT referral_codes.code, referral_codes.expires_at FROM referral_codes JOIN users"
            " ON users.id = referral_codes.owner_id"
            " WHERE users.email = $1 AND referral_codes.state = 'active' AND referral_codes.expires_at > $2"
        ),
        "account": "SELECT * FROM users WHERE users.id = $1",
    }

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def all(self, statement: Select[Any], parameters: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
        raise NotImplementedError("the hot paths compared here read single rows")

    async def first(self, _statement: Select[Any], parameters: Mapping[str, Any]) -> Mapping[str, Any] | None:
        if "email" in parameters:
            record = await self._pool.fetchrow(self.SQL["lookup"], parameters["email"], parameters["now"])
        else:
            record = await self._pool.fetchrow(self.SQL["account"], parameters["user_id"])
        return None if record is None else dict(record.items())


@asynccontextmanager
async def read_paths(url: str) -> AsyncIterator[dict[str, CommittedReads]]:
    async with AsyncExitStack() as stack:
        engine = create_engine(
            url,
            pool_size=LIMITS.size,
            pool_timeout=LIMITS.acquire_timeout,
            connect_timeout=LIMITS.connect_timeout,
            statement_timeout=LIMITS.statement_timeout,
        )
        stack.push_async_callback(engine.dispose)
        # (a): an engine for reads alone: autocommit, and nothing done to a connection on its way back to the pool.
        read_engine = create_async_engine(
            url,
            isolation_level="AUTOCOMMIT",
            pool_reset_on_return=None,
            pool_size=LIMITS.size,
            max_overflow=LIMITS.size,
            pool_timeout=LIMITS.acquire_timeout,
            connect_args={"timeout": LIMITS.connect_timeout, "command_timeout": LIMITS.statement_timeout},
        )
        stack.push_async_callback(read_engine.dispose)
        chosen = await AsyncpgPoolReads.open(engine, LIMITS)
        stack.push_async_callback(chosen.close)
        dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        bare = await asyncpg.create_pool(dsn, min_size=0, max_size=LIMITS.size)
        stack.push_async_callback(bare.close)
        yield {
            "engine, autocommit (before)": AsyncEngineReads(engine),
            "(a) read engine, no reset": AsyncEngineReads(read_engine),
            "(b) engine checkout, driver conn": EngineCheckoutDriverReads(read_engine),
            "(c) asyncpg pool (chosen)": chosen,
            "bare asyncpg pool": BareAsyncpgPool(bare),
        }


async def measure(call: Callable[[], Awaitable[object]], callers: int, seconds: float) -> tuple[float, float, float]:
    """Reads per second, p50 and p99 in ms, of ``callers`` tasks calling ``call`` back to back."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def caller() -> None:
        while (started := time.perf_counter()) < deadline:
            await call()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(callers)))
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000


def hot_queries(
    reads: CommittedReads, emails: list[str], user_ids: list[uuid.UUID], now: datetime
) -> dict[str, Callable[[], Awaitable[object]]]:
    lookups, accounts = SqlaLiveCodeQueries(reads), SqlaUserQueries(reads)

    def lookup() -> Awaitable[object]:
        return lookups.live_by_owner_email(random.choice(emails), now)  # noqa: S311 - not a secret

    def account() -> Awaitable[object]:
        return accounts.by_id(random.choice(user_ids))  # noqa: S311 - not a secret

    return {"lookup": lookup, "account": account}


async def compare(url: str, emails: list[str], user_ids: list[uuid.UUID], args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    async with read_paths(url) as paths:
        for _ in range(args.rounds):
            for name, reads in paths.items():
                queries = hot_queries(reads, emails, user_ids, now)
                for query, call in queries.items():
                    await measure(call, args.callers, 0.3)  # warm: connections open, statements prepared
                    results.setdefault((name, query), []).append(await measure(call, args.callers, args.seconds))
    print(f"\n{args.callers} callers, {args.rounds} rounds of {args.seconds} s each; medians of the rounds")
    print(f"{'read path':<34} {'query':<8} {'reads/s':>9} {'p50 ms':>7} {'p99 ms':>7}  rounds (reads/s)")
    for (name, query), rounds in results.items():
        rate, p50, p99 = (statistics.median(column) for column in zip(*rounds, strict=True))
        each = ", ".join(f"{r[0]:,.0f}" for r in rounds)
        print(f"{name:<34} {query:<8} {rate:>9,.0f} {p50:>7.2f} {p99:>7.2f}  {each}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--callers", type=int, default=64)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    with database(argparse.Namespace(postgres_url=args.postgres_url), "postgres") as (url, work):
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True)
        files = asyncio.run(seed(url, args.users, work))
        emails = [line.removeprefix("/referral-code/") for line in open(files["cold"]).read().split()]  # noqa: PTH123, SIM115
        user_ids = asyncio.run(some_user_ids(url))
        uvloop.run(compare(url, emails, user_ids, args))
    return 0


async def some_user_ids(url: str, count: int = 50) -> list[uuid.UUID]:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        ids = list((await connection.scalars(select(users.c.id).limit(count))).all())
    await engine.dispose()
    return ids


if __name__ == "__main__":
    sys.exit(main())
