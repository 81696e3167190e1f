"""A referral qualifying: its new state and the rewards the programme grants for it, in one write transaction."""

from datetime import datetime
from uuid import UUID

from referrals.application.ports.referrals import ReferralRepository
from referrals.application.ports.rewards import RewardRepository
from referrals.domain.conversion import Conversion
from referrals.domain.ids import new_id
from referrals.domain.programme import Programme, RewardRule
from referrals.domain.referral import Referral
from referrals.domain.reward import Reward, RewardRole, RewardState


async def qualify(
    referrals: ReferralRepository,
    rewards: RewardRepository,
    referral: Referral,
    programme: Programme,
    conversion: Conversion,
    now: datetime,
) -> tuple[Referral, list[Reward]]:
    """The (locked) referral qualified by the stored conversion, and the rewards that granted.

    Under a per-referrer cap, grants to one referrer take turns on the referrer's row, so the cap is counted one
    grant at a time; a referral holds at most one reward per role (a unique index).
    """
    qualified = referral.qualified(now)
    await referrals.save(qualified)
    terms = programme.terms
    granted = []
    referrer_reward = _reward(programme, terms.referrer_reward, referral, RewardRole.REFERRER, conversion, now)
    if referrer_reward is not None and await _under_cap(rewards, programme, referral.referrer_id):
        granted.append(referrer_reward)
    referee_reward = _reward(programme, terms.referee_reward, referral, RewardRole.REFEREE, conversion, now)
    if referee_reward is not None:
        granted.append(referee_reward)
    await rewards.add(*granted)
    return qualified, granted


async def _under_cap(rewards: RewardRepository, programme: Programme, referrer_id: UUID) -> bool:
    cap = programme.terms.max_rewarded_referrals_per_referrer
    if cap is None:
        # Nothing to count, so no turn to take: two round trips fewer for every conversion that qualifies.
        return True
    return await rewards.hold_grants_to(referrer_id) < cap


def _reward(
    programme: Programme,
    rule: RewardRule | None,
    referral: Referral,
    role: RewardRole,
    conversion: Conversion,
    now: datetime,
) -> Reward | None:
    earned = None if rule is None else rule.earned_on(conversion.value)
    if earned is None:
        return None
    available_at = conversion.occurred_at + programme.terms.hold
    return Reward(
        id=new_id(),
        referral_id=referral.id,
        user_id=referral.referrer_id if role is RewardRole.REFERRER else referral.id,
        role=role,
        amount=earned.amount,
        currency=earned.currency,
        # A conversion reported (or approved) after its hold already ended earns a reward available at once.
        state=RewardState.AVAILABLE if available_at <= now else RewardState.PENDING,
        created_at=now,
        available_at=available_at,
        program_version=programme.version,
        conversion_id=conversion.id,
    )
