from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from referrals.application.access import check_may_read_referrer
from referrals.application.ports.common import Clock
from referrals.application.ports.operators import Caller
from referrals.application.ports.referrals import ReferralCounts
from referrals.application.ports.referrer_stats import ReferrerStatsQueries
from referrals.application.ports.rewards import CurrencyTotals


@dataclass(frozen=True, slots=True)
class ReferrerStats:
    referrer_id: UUID
    referrals: ReferralCounts
    rewards: Sequence[CurrencyTotals]

    @property
    def conversion_rate(self) -> float:
        """Qualified referrals over all referrals; 0 without any."""
        total = self.referrals.total
        return 0.0 if total == 0 else round(self.referrals.qualified / total, 4)


@dataclass(frozen=True, slots=True)
class GetReferrerStats:
    """How a referrer's referrals stand, and the sums of their own rewards as a referrer, per currency."""

    stats: ReferrerStatsQueries
    clock: Clock

    async def __call__(self, caller: Caller, referrer_id: UUID) -> ReferrerStats:
        check_may_read_referrer(caller, referrer_id)
        tallies = await self.stats.tallies(referrer_id, self.clock.now())
        return ReferrerStats(referrer_id=referrer_id, referrals=tallies.referrals, rewards=tallies.rewards)
