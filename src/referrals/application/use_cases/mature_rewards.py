from dataclasses import dataclass
from datetime import datetime

from referrals.application.policies import BATCH_SIZE
from referrals.application.ports.common import TransactionManager
from referrals.application.ports.rewards import RewardRepository


@dataclass(frozen=True, slots=True)
class MatureRewards:
    """Record pending rewards whose hold has ended as available, each with its ``reward.available`` event.

    Reads already show such a reward as available from the instant its hold ends; this records the event (within
    one scheduler tick) and keeps the stored state from lagging. One bounded batch per call.
    """

    rewards: RewardRepository
    transaction: TransactionManager

    async def __call__(self, now: datetime, limit: int = BATCH_SIZE) -> int:
        async with self.transaction.write():
            matured = await self.rewards.mature_due(now, limit)
        return len(matured)
