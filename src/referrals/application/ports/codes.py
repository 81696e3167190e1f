"""Referral codes: storing them, and the committed reads and cache behind lookups."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from referrals.domain.referral_code import CodeState, ReferralCode


@dataclass(frozen=True, slots=True)
class LiveCode:
    """What a lookup by email answers, and what the cache holds."""

    code: str
    expires_at: datetime


class ReferralCodeRepository(Protocol):
    async def add(self, code: ReferralCode) -> None:
        """Raises ``ActiveCodeExists`` if the owner already has one, ``CodeCollision`` if the code is taken."""
        ...

    async def stored_active_of(self, owner_id: UUID) -> ReferralCode | None:
        """The owner's code stored as active, expired or not."""
        ...

    async def end(self, code: ReferralCode, state: CodeState, at: datetime) -> bool:
        """Move an active code to a final state, and record that it did; False if it was no longer active."""
        ...

    async def claim_use(self, code: str, now: datetime) -> ReferralCode | None:
        """Count one registration on the live code with this spelling and return it as it now stands (``SPENT``
        when that was its last allowed use, its event recorded); None when no live code has this spelling.

        The code stays locked until the transaction ends: registrations on one code, and its end, take turns.
        """
        ...

    async def expire_due(self, now: datetime, limit: int) -> Sequence[ReferralCode]:
        """Move up to ``limit`` active codes whose expiry is at or before ``now`` to expired, recording each.

        Each code is claimed by one caller only, whatever runs concurrently (another process, or a create
        retiring the same code): a code is expired, and its event recorded, once.
        """
        ...


class LiveCodeQueries(Protocol):
    """The read side of lookups by email and of code checks: committed data only, outside any unit of work."""

    async def live_by_owner_email(self, email: str, now: datetime) -> LiveCode | None: ...

    async def is_live(self, code: str, now: datetime) -> bool:
        """Whether a live code has this spelling; committed data, nothing locked or held afterwards."""
        ...


@dataclass(frozen=True, slots=True)
class CacheMiss:
    """Proof of when the miss happened: a value read afterwards may be stored only if nothing was invalidated since."""

    generation: int


class CodeCache(Protocol):
    """Live codes by canonical owner email. An optimisation only: every method must tolerate failure silently."""

    async def get(self, email: str) -> LiveCode | CacheMiss: ...

    async def put(self, email: str, code: LiveCode, miss: CacheMiss, ttl_seconds: float) -> None:
        """Store ``code`` unless ``email`` was invalidated after ``miss`` was taken."""
        ...

    async def invalidate(self, email: str) -> None: ...

    async def is_healthy(self) -> bool:
        """Whether the cache answers; a cache that does not only costs speed."""
        ...
