"""Single-statement reads of committed data, with no session and no transaction: the hot read paths.

Safe outside a transaction: one statement reads one consistent snapshot, and nothing is written.
"""

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from referrals.adapters.persistence.engine import autocommit_reads, create_sqlite_reader
from referrals.adapters.persistence.pool_metrics import pool_collector

_Rows = TypeVar("_Rows")
Fetch = Callable[[CursorResult[Any]], _Rows]


def _first_row(result: CursorResult[Any]) -> Mapping[str, Any] | None:
    row = result.first()
    return None if row is None else row._asdict()


def _all_rows(result: CursorResult[Any]) -> Sequence[Mapping[str, Any]]:
    return [row._asdict() for row in result.all()]


class CommittedReads(Protocol):
    async def first(self, statement: Select[Any], parameters: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The statement's first row as column values by name, or None; callers select by a unique key."""
        ...

    async def all(self, statement: Select[Any], parameters: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
        """Every row of the statement, as column values by name; callers bound it with a limit or a key."""
        ...


@dataclass(frozen=True, slots=True)
class ReadPoolLimits:
    """The engine's limits, for reads that keep connections of their own: how many, and how long a read may
    wait at each step (a free connection, a new one, the statement)."""

    size: int
    acquire_timeout: float
    connect_timeout: float
    statement_timeout: float


@asynccontextmanager
async def committed_reads(engine: AsyncEngine, limits: ReadPoolLimits) -> AsyncIterator[CommittedReads]:
    """The leanest way to read from the engine's database; whatever it opened is closed when the block ends."""
    if engine.dialect.name == "sqlite":
        reader = SqliteReaderThread(create_sqlite_reader(engine.url))
        try:
            yield reader
        finally:
            reader.close()
    elif engine.dialect.driver == "asyncpg":
        from referrals.adapters.persistence.driver_reads import AsyncpgPoolReads  # noqa: PLC0415 - PostgreSQL only

        pool = await AsyncpgPoolReads.open(engine, limits)
        pool_collector.track_driver_pool(pool)
        try:
            yield pool
        finally:
            pool_collector.forget_driver_pool(pool)
            await pool.close()
    else:
        yield AsyncEngineReads(engine)


class AsyncEngineReads(CommittedReads):
    """Each statement on a pooled connection of the async engine, in autocommit mode: one round trip."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = autocommit_reads(engine)

    async def first(self, statement: Select[Any], parameters: Mapping[str, Any]) -> Mapping[str, Any] | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(statement, parameters)).first()
        return None if row is None else row._asdict()

    async def all(self, statement: Select[Any], parameters: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement, parameters)).all()
        return [row._asdict() for row in rows]


class SqliteReaderThread(CommittedReads):
    """Each statement on the standard library's driver, in a reader thread of its own that keeps its connection.

    aiosqlite hands every step of a statement (cursor, execute, fetch, close, the pool's reset) to its thread
    and back separately, and under load each hand-off waits for the GIL: those hand-offs, not SQLite, were the
    cost. One hand-off per read, on a connection checked out once, serves 2 to 3 times as many (see the
    README's Performance). The file is in WAL mode and no transaction is ever left open here, so each read
    sees every write the aiosqlite connections have committed.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # One thread: a read is microseconds of SQLite, and the event loop is the other thread it needs.
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-reads")
        self._connection: Connection | None = None  # the reader thread's alone

    async def first(self, statement: Select[Any], parameters: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return await self._run(_first_row, statement, parameters)

    async def all(self, statement: Select[Any], parameters: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
        return await self._run(_all_rows, statement, parameters)

    async def _run(self, fetch: Fetch[_Rows], statement: Select[Any], parameters: Mapping[str, Any]) -> _Rows:
        return await asyncio.get_running_loop().run_in_executor(self._reader, self._fetch, fetch, statement, parameters)

    def close(self) -> None:
        self._reader.submit(self._disconnect).result()
        self._reader.shutdown(wait=True)
        self._engine.dispose()

    def _fetch(self, fetch: Fetch[_Rows], statement: Select[Any], parameters: Mapping[str, Any]) -> _Rows:
        if self._connection is None:
            self._connection = self._engine.connect()
        try:
            return fetch(self._connection.execute(statement, parameters))
        except DBAPIError:
            self._disconnect()  # the next read starts on a fresh connection
            raise

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
