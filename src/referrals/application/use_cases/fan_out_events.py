"""Committed events turned into the deliveries owed to each webhook endpoint."""

from dataclasses import dataclass
from datetime import datetime

from referrals.application.ports.common import TransactionManager
from referrals.application.ports.events import EventQueries
from referrals.application.ports.webhooks import WebhookDeliveryRepository, WebhookEndpointRepository


@dataclass(frozen=True, slots=True)
class FanOutEvents:
    """Turn committed events into deliveries, one per endpoint enabled and subscribed when the event is read.

    The cursor is locked for the whole batch, so two processes never fan out the same events; feed ids grow
    in commit order, so the cursor never passes an event still to commit. An endpoint is owed the events
    committed after it was registered, and none while it is disabled. While no endpoint is registered at all,
    a round reads no event and writes nothing (one look at the endpoints); the first registration moves the
    cursor on.
    """

    events: EventQueries
    endpoints: WebhookEndpointRepository
    deliveries: WebhookDeliveryRepository
    transaction: TransactionManager

    async def __call__(self, now: datetime, limit: int = 500) -> int:
        """How many events this batch read (the caller takes another while it gets ``limit``)."""
        # Looks first, without the write lock: most rounds find nothing new, and SQLite has one writer.
        if not await self.endpoints.any_registered():
            return 0
        if not await self.events.after(await self.deliveries.fan_out_position(), frozenset(), 1):
            return 0
        async with self.transaction.write():
            cursor = await self.deliveries.lock_fan_out()
            batch = await self.events.after(cursor, frozenset(), limit)
            if not batch:
                return 0
            enabled = [endpoint for endpoint in await self.endpoints.all() if endpoint.enabled]
            owed = [
                (event, endpoint.id)
                for event in batch
                for endpoint in enabled
                if endpoint.is_owed(event.id, event.type)
            ]
            await self.deliveries.add_owed(owed, now)
            await self.deliveries.advance_fan_out(batch[-1].id)
        return len(batch)
