from dataclasses import dataclass
from uuid import UUID

from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.programme import ProgrammeRepository
from referrals.application.ports.referrals import ReferralRepository
from referrals.application.ports.rewards import ConversionRepository, RewardRepository
from referrals.application.qualification import qualify
from referrals.domain.programme_errors import ReferralNotFound
from referrals.domain.referral import Referral


@dataclass(frozen=True, slots=True)
class ApproveReferral:
    """Clear a flagged referral's flags after review: it is pending again, and if a qualifying conversion arrived
    while it was flagged, it qualifies now, its rewards granted under the programme in force and held from that
    conversion's instant. Anything but a flagged referral is refused (409) and nothing changes."""

    referrals: ReferralRepository
    rewards: RewardRepository
    conversions: ConversionRepository
    programme: ProgrammeRepository
    transaction: TransactionManager
    clock: Clock

    async def __call__(self, referee_id: UUID) -> Referral:
        now = self.clock.now()
        async with self.transaction.write():
            referral = await self.referrals.lock(referee_id)
            if referral is None:
                raise ReferralNotFound
            approved = referral.approved(now)
            await self.referrals.save(approved)
            held = (
                None if approved.held_conversion_id is None else await self.conversions.get(approved.held_conversion_id)
            )
            if held is not None:
                programme = await self.programme.current()
                approved, _ = await qualify(self.referrals, self.rewards, approved, programme, held.conversion, now)
                await self.conversions.mark_qualified(held.conversion.id)
        return approved
