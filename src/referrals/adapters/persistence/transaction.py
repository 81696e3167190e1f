from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.engine import SQLITE_WRITE_TRANSACTION
from referrals.adapters.persistence.outbox import append_events
from referrals.adapters.persistence.writer_turns import WriterTurns
from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.events import EventRecorder
from referrals.domain.events import DomainEvent


class SqlaUnitOfWork(TransactionManager, EventRecorder):
    """The request's write transaction, and the outbox of the events its repositories record.

    The events are inserted at the end of the block, just before the commit: with the state change or not at all.
    """

    def __init__(self, session: AsyncSession, clock: Clock, turns: WriterTurns) -> None:
        self._session = session
        self._clock = clock
        self._turns = turns
        self._pending: list[DomainEvent] | None = None

    def record(self, event: DomainEvent) -> None:
        if self._pending is None:
            msg = f"{event.type} recorded outside a write transaction"
            raise RuntimeError(msg)
        self._pending.append(event)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[None]:
        if self._session.in_transaction():
            # Reads before the write ran in a deferred transaction; end it so the write can begin afresh.
            await self._session.commit()
        async with self._turns.turn():
            await self._session.connection(execution_options={SQLITE_WRITE_TRANSACTION: True})
            self._pending = []
            try:
                yield
                await append_events(self._session, self._pending, self._clock.now())
            except BaseException:
                await self._session.rollback()
                raise
            finally:
                self._pending = None
            await self._session.commit()
