"""Conversions and the rewards they earn."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from referrals.domain.conversion import Conversion
from referrals.domain.reward import Reward, RewardRole, RewardState


@dataclass(frozen=True, slots=True)
class StoredConversion:
    conversion: Conversion
    qualified: bool


class ConversionRepository(Protocol):
    async def add(self, conversion: Conversion, *, qualified: bool) -> bool:
        """Inside a write transaction: store it unless its id is taken; whether it was stored.

        When another transaction is storing the same id, waits for it to end.
        """
        ...

    async def get(self, conversion_id: str) -> StoredConversion | None: ...

    async def mark_qualified(self, conversion_id: str) -> None:
        """Record that the conversion qualified its referral after all (held while the referral was flagged)."""
        ...


@dataclass(frozen=True, slots=True)
class RewardFilter:
    user_id: UUID | None = None
    role: RewardRole | None = None
    # The state a reader is shown (a pending reward past its hold is available).
    state: RewardState | None = None


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    currency: str
    pending: int = 0
    available: int = 0
    redeemed: int = 0
    voided: int = 0


class RewardQueries(Protocol):
    async def page(self, where: RewardFilter, now: datetime, limit: int, offset: int) -> tuple[Sequence[Reward], int]:
        """One page of matching rewards as they stand at ``now``, newest first, and how many match."""
        ...

    async def of_conversion(self, conversion_id: str) -> Sequence[Reward]:
        """The rewards the conversion created, as stored."""
        ...


class RewardRepository(Protocol):
    """Rewards inside a write transaction; every change of state records its event."""

    async def add(self, *granted: Reward) -> None:
        """Stores them together; records each one's ``reward.created`` (and ``reward.available`` for one
        granted past its hold)."""
        ...

    async def lock(self, reward_id: UUID) -> Reward | None: ...

    async def lock_of_referral(self, referral_id: UUID) -> Sequence[Reward]: ...

    async def save(self, reward: Reward, at: datetime) -> None:
        """Store the reward's new state and record the event of that state at ``at``."""
        ...

    async def hold_grants_to(self, user_id: UUID) -> int:
        """Lock the user's grants until the transaction ends, so caps are counted one grant at a time; how many
        rewards in the referrer role the user holds that are not voided."""
        ...

    async def mature_due(self, now: datetime, limit: int) -> Sequence[Reward]:
        """Record up to ``limit`` pending rewards whose hold ended by ``now`` as available, with their events."""
        ...
