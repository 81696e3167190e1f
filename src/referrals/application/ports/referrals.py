"""Referrals: who referred whom."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Referral:
    id: UUID
    email: str
    created_at: datetime


class ReferralQueries(Protocol):
    async def referrals_of(self, referrer_id: UUID, limit: int, offset: int) -> tuple[Sequence[Referral], int]:
        """One page of the referrer's referrals, newest first, and how many there are in all."""
        ...
