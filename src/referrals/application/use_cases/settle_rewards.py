"""The operator's decisions on rewards: pay one out, or void it."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.rewards import RewardRepository
from referrals.domain.programme_errors import RewardNotFound
from referrals.domain.reward import Reward


async def locked_as_of(rewards: RewardRepository, reward_id: UUID, now: datetime) -> Reward:
    """The reward, locked, as it stands at ``now``; a hold that ended unrecorded is recorded on the way, so the
    feed shows ``reward.available`` before what follows it."""
    reward = await rewards.lock(reward_id)
    if reward is None:
        raise RewardNotFound
    return await brought_up_to_date(rewards, reward, now)


async def brought_up_to_date(rewards: RewardRepository, reward: Reward, now: datetime) -> Reward:
    current = reward.as_of(now)
    if current.state is not reward.state:
        await rewards.save(current, reward.available_at)
    return current


@dataclass(frozen=True, slots=True)
class RedeemReward:
    """Pay out an available reward; 409 for any other state."""

    rewards: RewardRepository
    transaction: TransactionManager
    clock: Clock

    async def __call__(self, reward_id: UUID) -> Reward:
        now = self.clock.now()
        async with self.transaction.write():
            redeemed = (await locked_as_of(self.rewards, reward_id, now)).redeemed(now)
            await self.rewards.save(redeemed, now)
        return redeemed


@dataclass(frozen=True, slots=True)
class VoidReward:
    """Void a pending or available reward; 409 for a redeemed or voided one."""

    rewards: RewardRepository
    transaction: TransactionManager
    clock: Clock

    async def __call__(self, reward_id: UUID) -> Reward:
        now = self.clock.now()
        async with self.transaction.write():
            voided = (await locked_as_of(self.rewards, reward_id, now)).voided(now)
            await self.rewards.save(voided, now)
        return voided
