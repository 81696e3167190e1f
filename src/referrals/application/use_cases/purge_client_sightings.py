from dataclasses import dataclass
from datetime import datetime

from referrals.application.policies import BATCH_SIZE, FraudPolicy
from referrals.application.ports.common import TransactionManager
from referrals.application.ports.fraud import ClientSightings


@dataclass(frozen=True, slots=True)
class PurgeClientSightings:
    """Forget where users were seen from once no rule can ask any more (the same-client window); how many went.

    One bounded batch in one short transaction: the caller runs it again while it returns ``limit``.
    """

    sightings: ClientSightings
    transaction: TransactionManager
    policy: FraudPolicy

    async def __call__(self, now: datetime, limit: int = BATCH_SIZE) -> int:
        async with self.transaction.write():
            return await self.sightings.purge(now - self.policy.same_client_window, limit)
