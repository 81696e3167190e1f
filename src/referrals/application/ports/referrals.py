"""Referrals: who referred whom, and where each referral stands."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from referrals.domain.referral import Referral, ReferralState


@dataclass(frozen=True, slots=True)
class ReferralFilter:
    referrer_id: UUID | None = None
    state: ReferralState | None = None


@dataclass(frozen=True, slots=True)
class ReferralCounts:
    pending: int = 0
    flagged: int = 0
    qualified: int = 0
    voided: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.flagged + self.qualified + self.voided


class ReferralQueries(Protocol):
    async def page(self, where: ReferralFilter, limit: int, offset: int) -> tuple[Sequence[Referral], int]:
        """One page of the referrals that match, newest first, and how many match in all."""
        ...

    async def get(self, referee_id: UUID) -> Referral | None: ...


class ReferralRepository(Protocol):
    """Referrals inside a write transaction; every change of state records its event."""

    async def lock(self, referee_id: UUID) -> Referral | None:
        """The referee's referral, locked until the transaction ends: its changes take turns."""
        ...

    async def save(self, referral: Referral, note: str | None = None) -> None:
        """Store the referral's new state (``note`` with a void) and record the event of that state."""
        ...

    async def hold_conversion(self, referral: Referral) -> None:
        """Store the flagged referral's ``held_conversion_id`` unless one is held already (no state change, no
        event: the conversion is honoured if the referral is approved)."""
        ...
