"""Requests with an ``Idempotency-Key``: the first is run and its answer stored with its effect, in one
transaction; the same key with the same request again gets that answer back, and the work is done once."""

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from referrals.application.errors import ApplicationError
from referrals.application.policies import BATCH_SIZE
from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.idempotency import (
    Answered,
    HeldTransaction,
    IdempotencyRecords,
    InFlight,
    StoredAnswer,
)

KEPT_FOR: Final = timedelta(hours=24)
# How long a request holds its key: longer than any request runs, so a second copy never runs beside it;
# a process that died holding one leaves it to lapse, and the retry after that runs the request again.
CLAIMED_FOR: Final = timedelta(seconds=60)


class IdempotencyKeyReused(ApplicationError):
    code = "idempotency-key-reused"
    default_message = "This Idempotency-Key was used for another request; use a new key for a new request."


class IdempotencyKeyInFlight(ApplicationError):
    code = "idempotency-key-in-flight"
    default_message = "A request with this Idempotency-Key is still being processed; retry after a moment."

    def __init__(self, message: str | None = None, *, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class IdempotentRequests:
    records: IdempotencyRecords
    transaction: TransactionManager
    held_transaction: HeldTransaction
    clock: Clock

    async def begin(self, owner: str, key: str, fingerprint: str) -> StoredAnswer | None:
        """The stored answer to replay, or None when this request is to run now (it then holds the key).

        Raises ``IdempotencyKeyReused`` for a key used for another request, ``IdempotencyKeyInFlight`` while
        the first request with it still runs."""
        now = self.clock.now()
        async with self.transaction.write():
            outcome = await self.records.claim(owner, key, fingerprint, now, now + CLAIMED_FOR, now - KEPT_FOR)
        if isinstance(outcome, Answered | InFlight) and not outcome.same_request:
            raise IdempotencyKeyReused
        if isinstance(outcome, InFlight):
            raise IdempotencyKeyInFlight(retry_after=max(1, math.ceil((outcome.until - now).total_seconds())))
        return outcome.answer if isinstance(outcome, Answered) else None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Around the request's work and ``answered``: they commit together."""
        async with self.held_transaction.held():
            yield

    async def answered(self, owner: str, key: str, answer: StoredAnswer) -> None:
        """Inside ``running``: the answer, stored in the transaction of the effect."""
        async with self.transaction.write():
            await self.records.answer(owner, key, answer)

    async def refused(self, owner: str, key: str, answer: StoredAnswer) -> None:
        """A refusal's answer, once the work rolled back: there is no effect to store it with."""
        async with self.transaction.write():
            await self.records.answer(owner, key, answer)

    async def abandoned(self, owner: str, key: str) -> None:
        """The request failed without an answer worth keeping (a 5xx): the next try runs it again."""
        async with self.transaction.write():
            await self.records.release(owner, key)


@dataclass(frozen=True, slots=True)
class PurgeIdempotencyKeys:
    """Forget keys past the time they are kept, oldest first."""

    records: IdempotencyRecords
    transaction: TransactionManager

    async def __call__(self, now: datetime, limit: int = BATCH_SIZE) -> int:
        async with self.transaction.write():
            return await self.records.purge_created_before(now - KEPT_FOR, limit)
