"""An endpoint's delivery log, and sending a failed delivery again."""

from dataclasses import dataclass
from uuid import UUID

from referrals.application.pages import Page, PageRequest
from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.webhooks import (
    DeliveryRecord,
    WebhookDeliveryQueries,
    WebhookDeliveryRepository,
    WebhookEndpointRepository,
)
from referrals.domain.webhook_deliveries import DeliveryState
from referrals.domain.webhook_errors import DeliveryNotFailed, DeliveryNotFound, WebhookNotFound


@dataclass(frozen=True, slots=True)
class ListWebhookDeliveries:
    endpoints: WebhookEndpointRepository
    queries: WebhookDeliveryQueries

    async def __call__(self, endpoint_id: UUID, state: DeliveryState | None, page: PageRequest) -> Page[DeliveryRecord]:
        if await self.endpoints.get(endpoint_id) is None:
            raise WebhookNotFound
        return await self.queries.page(endpoint_id, state, page.clamped())


@dataclass(frozen=True, slots=True)
class RetryWebhookDelivery:
    """A failed delivery, due again at once with a whole retry schedule ahead of it."""

    endpoints: WebhookEndpointRepository
    deliveries: WebhookDeliveryRepository
    queries: WebhookDeliveryQueries
    transaction: TransactionManager
    clock: Clock

    async def __call__(self, endpoint_id: UUID, delivery_id: UUID) -> DeliveryRecord:
        async with self.transaction.write():
            if await self.endpoints.get(endpoint_id) is None:
                raise WebhookNotFound
            delivery = await self.deliveries.get(endpoint_id, delivery_id)
            if delivery is None:
                raise DeliveryNotFound
            if delivery.state is not DeliveryState.FAILED:
                raise DeliveryNotFailed
            again = delivery.sent_again(self.clock.now())
            if not await self.deliveries.reschedule(again):
                raise DeliveryNotFailed
        return await self.queries.one(endpoint_id, delivery_id) or DeliveryRecord(delivery=again, attempts=())
