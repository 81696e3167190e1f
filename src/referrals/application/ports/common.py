"""What every area needs: the time, and the unit of work."""

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class DatabaseProbe(Protocol):
    async def is_reachable(self) -> bool: ...


class TransactionManager(Protocol):
    def write(self) -> AbstractAsyncContextManager[None]:
        """A write transaction: committed when the block ends, rolled back if it raises.

        Writers queue for the write lock on backends that have a single one, rather than failing.
        """
        ...
