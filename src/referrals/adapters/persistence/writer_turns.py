"""Writers of one process taking turns, first come first served, where the database has a single writer."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class WriterTurns:
    """SQLite lets one transaction write at a time. Writers left to queue in SQLite itself wait in its busy
    handler, which polls with sleeps that grow to a tenth of a second, so the lock goes to whichever poller wakes
    first and stays free between polls. Queued here instead, the next writer of the process begins the moment
    the last one commits; writers of other processes still meet in the busy handler.
    """

    def __init__(self, *, single_writer: bool) -> None:
        self._lock = asyncio.Lock() if single_writer else None

    @classmethod
    def for_dialect(cls, dialect_name: str) -> "WriterTurns":
        return cls(single_writer=dialect_name == "sqlite")

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        if self._lock is None:
            yield
            return
        async with self._lock:
            yield
