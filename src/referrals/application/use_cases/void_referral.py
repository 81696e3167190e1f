from dataclasses import dataclass
from uuid import UUID

from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.referrals import ReferralRepository
from referrals.application.ports.rewards import RewardRepository
from referrals.application.use_cases.settle_rewards import brought_up_to_date
from referrals.domain.programme_errors import ReferralNotFound, RewardAlreadyRedeemed
from referrals.domain.referral import Referral, VoidReason, check_void_note
from referrals.domain.reward import RewardState


@dataclass(frozen=True, slots=True)
class ReferralVoiding:
    referee_id: UUID
    reason: VoidReason
    note: str | None = None

    def __post_init__(self) -> None:
        if self.note is not None:
            check_void_note(self.note)


@dataclass(frozen=True, slots=True)
class VoidReferral:
    """Void a referral and every reward it granted that is not voided already. A referral voided before, or one
    with a reward already paid out, is refused (409) and nothing changes."""

    referrals: ReferralRepository
    rewards: RewardRepository
    transaction: TransactionManager
    clock: Clock

    async def __call__(self, voiding: ReferralVoiding) -> Referral:
        now = self.clock.now()
        async with self.transaction.write():
            referral = await self.referrals.lock(voiding.referee_id)
            if referral is None:
                raise ReferralNotFound
            voided = referral.voided(voiding.reason, now)
            rewards = await self.rewards.lock_of_referral(referral.id)
            if any(reward.state is RewardState.REDEEMED for reward in rewards):
                raise RewardAlreadyRedeemed
            for reward in rewards:
                if reward.state is not RewardState.VOIDED:
                    current = await brought_up_to_date(self.rewards, reward, now)
                    await self.rewards.save(current.voided(now), now)
            await self.referrals.save(voided, voiding.note)
        return voided
