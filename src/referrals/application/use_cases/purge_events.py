from dataclasses import dataclass
from datetime import datetime

from referrals.application.policies import BATCH_SIZE, RetentionPolicy
from referrals.application.ports.common import TransactionManager
from referrals.application.ports.events import EventRetention


@dataclass(frozen=True, slots=True)
class PurgeEvents:
    """Forget events recorded longer ago than the retention period, oldest first; returns how many went.

    One bounded batch in one short transaction: the caller runs it again while it returns ``limit``.
    """

    events: EventRetention
    transaction: TransactionManager
    policy: RetentionPolicy

    async def __call__(self, now: datetime, limit: int = BATCH_SIZE) -> int:
        async with self.transaction.write():
            return await self.events.purge_recorded_before(now - self.policy.events, limit)
