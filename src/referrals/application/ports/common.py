"""What every area needs: the time, and the unit of work."""

from collections.abc import Awaitable, Callable
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

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run ``action`` once the transaction open now has committed (never if it rolls back).

        Not at the end of the ``write`` block: a block may be part of a longer transaction (an idempotent
        request's, whose answer is stored before the commit), and what must follow the commit (dropping a
        cached answer that the commit makes stale) would otherwise run before it.
        """
        ...
