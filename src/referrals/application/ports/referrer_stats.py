"""A referrer's standing in one read: their referrals by state, and their own rewards as referrer."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from referrals.application.ports.referrals import ReferralCounts
from referrals.application.ports.rewards import CurrencyTotals


@dataclass(frozen=True, slots=True)
class ReferrerTallies:
    referrals: ReferralCounts
    rewards: Sequence[CurrencyTotals]


class ReferrerStatsQueries(Protocol):
    async def tallies(self, referrer_id: UUID, now: datetime) -> ReferrerTallies:
        """The referrer's referrals counted by state, and the sums of their rewards as referrer by currency
        (ordered by currency) and the state each stands in at ``now``: all of it from one committed snapshot."""
        ...


class TallyRecount(Protocol):
    async def recount(self) -> int:
        """Inside a write transaction: every referrer's tallies counted again from the referrals and rewards
        themselves, replacing what was kept; how many referrers have a tally. Writers that change referrals or
        rewards meanwhile wait for it, and their changes count on top of it."""
        ...
