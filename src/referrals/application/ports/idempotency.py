"""Idempotency keys: a caller's retried request answered with what the first one got, and done once."""

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    status: int
    body: bytes
    media_type: str
    headers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Claimed:
    """The key is this request's to run; nobody else runs it until the answer is stored or the claim lapses."""


@dataclass(frozen=True, slots=True)
class Answered:
    answer: StoredAnswer
    same_request: bool


@dataclass(frozen=True, slots=True)
class InFlight:
    until: datetime
    same_request: bool


ClaimOutcome = Claimed | Answered | InFlight


class IdempotencyRecords(Protocol):
    """Inside the request's write transactions."""

    async def claim(
        self, owner: str, key: str, fingerprint: str, now: datetime, until: datetime, expired_before: datetime
    ) -> ClaimOutcome:
        """Take the key for this request until ``until``, unless another request holds it or its answer is
        stored; a record created before ``expired_before``, or a claim that lapsed, is taken over."""
        ...

    async def answer(self, owner: str, key: str, answer: StoredAnswer) -> None:
        """Store the answer and release the claim."""
        ...

    async def release(self, owner: str, key: str) -> None:
        """Forget the claim without an answer: the request may run again."""
        ...

    async def purge_created_before(self, cutoff: datetime, limit: int) -> int: ...


class HeldTransaction(Protocol):
    def held(self) -> AbstractAsyncContextManager[None]:
        """One write transaction for every write block run inside it, committed when it ends (and rolled back
        if it raises): what is written after the blocks, an answer, commits with their effects or not at all."""
        ...
