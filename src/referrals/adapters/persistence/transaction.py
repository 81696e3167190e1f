from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.commit_signal import CommitSignal
from referrals.adapters.persistence.engine import SQLITE_WRITE_TRANSACTION
from referrals.adapters.persistence.outbox import append_events
from referrals.adapters.persistence.tallies import ChangeRecorder, Tallies
from referrals.adapters.persistence.writer_turns import WriterTurns
from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.idempotency import HeldTransaction
from referrals.domain.events import DomainEvent
from referrals.domain.referral import ReferralState
from referrals.domain.reward import Reward


@dataclass(slots=True)
class _Hold:
    """A ``held`` block: the turn it took (released when it ends), once a write block needed it, and the events
    its write blocks recorded, written with the tallies just before its commit."""

    turn: AsyncExitStack
    turn_taken: bool = False
    events: list[DomainEvent] = field(default_factory=list)


class SqlaUnitOfWork(TransactionManager, HeldTransaction, ChangeRecorder):
    """The request's write transaction, the outbox of the events its repositories record, and the referrers'
    tallies their changes move.

    Tallies and events are written at the end of the block, just before the commit: with the state change or
    not at all. In a ``held`` transaction, at the end of the hold: after everything its blocks wrote (an
    idempotent request's answer included), so the tally rows and the event-order lock, the last locks a
    transaction takes, are held for no more than the commit.
    """

    def __init__(self, session: AsyncSession, clock: Clock, turns: WriterTurns, committed: CommitSignal) -> None:
        self._session = session
        self._clock = clock
        self._turns = turns
        self._committed = committed
        self._recorded_any = False
        self._pending: list[DomainEvent] | None = None
        self._hold: _Hold | None = None
        self._after_commit: list[Callable[[], Awaitable[None]]] = []
        self._tallies = Tallies()

    async def _begin_writing(self) -> None:
        await self._session.connection(execution_options={SQLITE_WRITE_TRANSACTION: True})

    def record(self, event: DomainEvent) -> None:
        if self._pending is None:
            msg = f"{event.type} recorded outside a write transaction"
            raise RuntimeError(msg)
        self._pending.append(event)

    def referral_moved(self, referrer_id: UUID, before: ReferralState | None, after: ReferralState) -> None:
        self._in_block("a referral's move")
        self._tallies.referral_moved(referrer_id, before, after)

    def reward_moved(self, before: Reward | None, after: Reward) -> None:
        self._in_block("a reward's move")
        self._tallies.reward_moved(before, after)

    def _in_block(self, what: str) -> None:
        if self._pending is None:
            msg = f"{what} recorded outside a write transaction"
            raise RuntimeError(msg)

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        if self._pending is None:
            msg = "an action after the commit of no transaction"
            raise RuntimeError(msg)
        self._after_commit.append(action)

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        # The turn and the transaction are taken by the first write block, not here: the work before it
        # (hashing a password, asking a verifier) holds no lock.
        async with AsyncExitStack() as turn:
            self._hold = hold = _Hold(turn)
            try:
                yield
                await self._write_changes(hold.events)
            except BaseException:
                await self._session.rollback()
                self._discard_changes()
                raise
            finally:
                self._hold = None
            await self._commit()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[None]:
        hold = self._hold
        if hold is not None:
            # Inside ``held``: the commit is the hold's, and the turn is kept until then. A block that raises
            # rolls back what the hold wrote so far; what follows writes in a new transaction, in the same turn.
            if not hold.turn_taken:
                await self._end_reads()
                await hold.turn.enter_async_context(self._turns.turn())
                hold.turn_taken = True
            if not self._session.in_transaction():
                await self._begin_writing()
            async with self._block():
                yield
            return
        await self._end_reads()
        async with self._turns.turn():
            await self._begin_writing()
            async with self._block():
                yield
            await self._commit()

    async def _commit(self) -> None:
        await self._session.commit()
        if self._recorded_any:
            self._recorded_any = False
            self._committed.notify()
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            await action()

    async def _end_reads(self) -> None:
        if self._session.in_transaction():
            # Reads before the write ran in a deferred transaction; end it so the write can begin afresh.
            await self._session.commit()

    @asynccontextmanager
    async def _block(self) -> AsyncIterator[None]:
        """A write block: its tallies and events written at its end (a hold's at the hold's), everything rolled
        back if it raises."""
        hold = self._hold
        self._pending = [] if hold is None else hold.events
        try:
            yield
            if hold is None:
                await self._write_changes(self._pending)
        except BaseException:
            await self._session.rollback()
            self._discard_changes()
            raise
        finally:
            self._pending = None

    async def _write_changes(self, events: list[DomainEvent]) -> None:
        await self._tallies.apply(self._session)
        await append_events(self._session, events, self._clock.now())
        self._recorded_any = self._recorded_any or bool(events)

    def _discard_changes(self) -> None:
        """After a rollback: nothing of the transaction is left to write, announce or follow up."""
        self._recorded_any = False
        self._after_commit.clear()
        self._tallies.clear()
        if self._hold is not None:
            self._hold.events.clear()
