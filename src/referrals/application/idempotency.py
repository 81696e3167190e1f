"""Requests with an ``Idempotency-Key``: the first is run and its answer stored with its effect, in one
transaction; the same key with the same request again gets that answer back, and the work is done once.

Nothing is read or written before the work: the process running a request holds its key in memory (a copy
arriving there meanwhile is told to retry), and the answer row, written in the work's own transaction, settles
everything else. A retry runs the work again, finds the row when it comes to keep its answer, rolls its work
back and answers with the kept one; so do copies that other processes run at once, when the first commits.
A retry costs the work's reads, not a write; a first request costs one insert in its own transaction."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from referrals.application.errors import ApplicationError
from referrals.application.keys_in_flight import KeysInFlight
from referrals.application.policies import BATCH_SIZE
from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.idempotency import HeldTransaction, IdempotencyRecords, StoredAnswer

KEPT_FOR: Final = timedelta(hours=24)
# Seconds a copy of a request still in flight is told to wait: requests take well under that.
RETRY_AFTER_SECONDS: Final = 1


class IdempotencyKeyReused(ApplicationError):
    code = "idempotency-key-reused"
    default_message = "This Idempotency-Key was used for another request; use a new key for a new request."


class IdempotencyKeyInFlight(ApplicationError):
    code = "idempotency-key-in-flight"
    default_message = "A request with this Idempotency-Key is still being processed; retry after a moment."

    def __init__(self, message: str | None = None, *, retry_after: float = RETRY_AFTER_SECONDS) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AnsweredMeanwhile(Exception):
    """Another process's copy of the request committed its answer first: this one's work is rolled back."""


@dataclass(frozen=True, slots=True)
class IdempotentRequests:
    records: IdempotencyRecords
    transaction: TransactionManager
    held_transaction: HeldTransaction
    in_flight: KeysInFlight
    clock: Clock

    @asynccontextmanager
    async def handling(self, owner: str, key: str, fingerprint: str) -> AsyncIterator[None]:
        """Around the request's work and ``answered``: one transaction. The key is this process's until the
        block ends.

        Raises ``IdempotencyKeyReused`` for a key used for another request, ``IdempotencyKeyInFlight`` while
        this process runs the first request with it."""
        now = self.clock.now()
        holder = self.in_flight.take(owner, key, fingerprint, now)
        if holder is not None:
            if holder[0] != fingerprint:
                raise IdempotencyKeyReused
            raise IdempotencyKeyInFlight
        try:
            async with self.held_transaction.held():
                yield None
        finally:
            self.in_flight.give_back(owner, key)

    async def answered(self, owner: str, key: str, fingerprint: str, answer: StoredAnswer) -> None:
        """Inside ``handling``: the answer, stored in the transaction of the effect. Raises
        ``AnsweredMeanwhile`` when another process answered first (``replay`` has its answer)."""
        now = self.clock.now()
        async with self.transaction.write():
            if not await self.records.keep(owner, key, fingerprint, answer, now, now - KEPT_FOR):
                raise AnsweredMeanwhile

    async def refused(self, owner: str, key: str, fingerprint: str, answer: StoredAnswer) -> StoredAnswer | None:
        """A refusal's answer, kept once the work rolled back (there is no effect to keep it with); None once
        kept, or the answer another process kept first, to replay."""
        now = self.clock.now()
        async with self.transaction.write():
            if await self.records.keep(owner, key, fingerprint, answer, now, now - KEPT_FOR):
                return None
        return await self.replay(owner, key, fingerprint)

    async def replay(self, owner: str, key: str, fingerprint: str) -> StoredAnswer:
        """The answer kept first under the key (``answered`` or ``refused`` found it)."""
        kept = await self.kept(owner, key, fingerprint)
        if kept is None:  # kept, then purged in between: the client retries, and the request runs afresh
            raise IdempotencyKeyInFlight
        return kept

    async def kept(self, owner: str, key: str, fingerprint: str) -> StoredAnswer | None:
        """The answer kept under the key, if any: what a retry that failed this time is answered with."""
        kept = await self.records.kept(owner, key, self.clock.now() - KEPT_FOR)
        if kept is not None and kept.fingerprint != fingerprint:
            raise IdempotencyKeyReused
        return None if kept is None else kept.answer


@dataclass(frozen=True, slots=True)
class PurgeIdempotencyKeys:
    """Forget keys past the time they are kept, oldest first."""

    records: IdempotencyRecords
    transaction: TransactionManager

    async def __call__(self, now: datetime, limit: int = BATCH_SIZE) -> int:
        async with self.transaction.write():
            return await self.records.purge_created_before(now - KEPT_FOR, limit)
