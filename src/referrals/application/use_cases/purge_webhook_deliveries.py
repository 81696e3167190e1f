from dataclasses import dataclass
from datetime import datetime

from referrals.application.policies import BATCH_SIZE, RetentionPolicy
from referrals.application.ports.common import TransactionManager
from referrals.application.ports.webhooks import WebhookDeliveryRepository


@dataclass(frozen=True, slots=True)
class PurgeWebhookDeliveries:
    """Forget finished deliveries (and their attempts) as old as the events the feed no longer serves."""

    deliveries: WebhookDeliveryRepository
    transaction: TransactionManager
    policy: RetentionPolicy

    async def __call__(self, now: datetime, limit: int = BATCH_SIZE) -> int:
        async with self.transaction.write():
            return await self.deliveries.purge_finished_before(now - self.policy.events, limit)
