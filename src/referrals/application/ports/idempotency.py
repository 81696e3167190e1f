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
class KeptAnswer:
    """The answer kept under a key, and the fingerprint of the request it answered."""

    fingerprint: str
    answer: StoredAnswer


class IdempotencyRecords(Protocol):
    async def kept(self, owner: str, key: str, created_since: datetime) -> KeptAnswer | None:
        """The answer kept under the key, unless it was stored before ``created_since`` (past keeping)."""
        ...

    async def keep(
        self, owner: str, key: str, fingerprint: str, answer: StoredAnswer, now: datetime, created_since: datetime
    ) -> bool:
        """Inside a write transaction: keep the answer under the key, over one stored before ``created_since``;
        False, and nothing kept, when another request's answer is kept there already (it committed first)."""
        ...

    async def purge_created_before(self, cutoff: datetime, limit: int) -> int: ...


class HeldTransaction(Protocol):
    def held(self) -> AbstractAsyncContextManager[None]:
        """One write transaction for every write block run inside it, committed when it ends (and rolled back
        if it raises): what is written after the blocks, an answer, commits with their effects or not at all."""
        ...
