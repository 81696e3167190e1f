"""Lookups by email, the hottest read: one prebuilt Core select, with no session and no transaction.

Safe outside a transaction: one statement reads one consistent snapshot, and nothing is written.
"""

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Row, bindparam, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from referrals.adapters.persistence.engine import autocommit_reads, create_sqlite_reader
from referrals.adapters.persistence.tables import referral_codes, users
from referrals.application.ports import LiveCode, LiveCodeQueries
from referrals.domain.referral_code import CodeState

_ACTIVE = CodeState.ACTIVE.value
# Built once: constructing a statement costs more than running a cached one.
_LIVE_BY_OWNER_EMAIL = (
    select(referral_codes.c.code, referral_codes.c.expires_at)
    .join(users, users.c.id == referral_codes.c.owner_id)
    .where(
        users.c.email == bindparam("email"),
        referral_codes.c.state == _ACTIVE,
        referral_codes.c.expires_at > bindparam("now"),
    )
)


@contextmanager
def live_code_queries(engine: AsyncEngine) -> Iterator[LiveCodeQueries]:
    """The leanest lookup for the engine's database; whatever it opened is closed when the block ends."""
    if engine.dialect.name != "sqlite":
        yield SqlaLiveCodeQueries(engine)
        return
    lookups = SqliteLiveCodeQueries(create_sqlite_reader(engine.url))
    try:
        yield lookups
    finally:
        lookups.close()


class SqlaLiveCodeQueries(LiveCodeQueries):
    """The select on a pooled connection of the async engine, in autocommit mode: one round trip."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = autocommit_reads(engine)

    async def live_by_owner_email(self, email: str, now: datetime) -> LiveCode | None:
        async with self._engine.connect() as connection:
            return _live_code((await connection.execute(_LIVE_BY_OWNER_EMAIL, {"email": email, "now": now})).first())


class SqliteLiveCodeQueries(LiveCodeQueries):
    """The select on the standard library's driver, in a reader thread of its own that keeps its connection.

    aiosqlite hands every step of a statement (cursor, execute, fetch, close, the pool's reset) to its thread
    and back separately, and under load each hand-off waits for the GIL: those hand-offs, not SQLite, were the
    cost. One hand-off per lookup, on a connection checked out once, serves 2 to 3 times as many lookups
    (see the README's Performance). The file is in WAL mode and no transaction is ever left open here, so
    each select sees every write the aiosqlite connections have committed.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # One thread: a lookup is microseconds of SQLite, and the event loop is the other thread it needs.
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-reads")
        self._connection: Connection | None = None  # the reader thread's alone

    async def live_by_owner_email(self, email: str, now: datetime) -> LiveCode | None:
        return await asyncio.get_running_loop().run_in_executor(self._reader, self._select, email, now)

    def close(self) -> None:
        self._reader.submit(self._disconnect).result()
        self._reader.shutdown(wait=True)
        self._engine.dispose()

    def _select(self, email: str, now: datetime) -> LiveCode | None:
        if self._connection is None:
            self._connection = self._engine.connect()
        try:
            row = self._connection.execute(_LIVE_BY_OWNER_EMAIL, {"email": email, "now": now}).first()
        except DBAPIError:
            self._disconnect()  # the next lookup starts on a fresh connection
            raise
        return _live_code(row)

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _live_code(row: Row[str, datetime] | None) -> LiveCode | None:
    # At most one row: a partial unique index allows one active code per owner.
    return None if row is None else LiveCode(code=row.code, expires_at=row.expires_at)
