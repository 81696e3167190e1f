"""An endpoint's delivery log, each delivery with its attempts, as operators read it."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.webhook_deliveries import delivery_from_row, delivery_of
from referrals.adapters.persistence.webhook_tables import webhook_attempts, webhook_deliveries
from referrals.application.pages import Page, PageRequest
from referrals.application.ports.webhooks import DeliveryRecord, WebhookDeliveryQueries
from referrals.domain.webhook_deliveries import DeliveryAttempt, DeliveryState

_PENDING = DeliveryState.PENDING.value


class SqlaWebhookDeliveryQueries(WebhookDeliveryQueries):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def oldest_pending_since(self) -> datetime | None:
        query = select(func.min(webhook_deliveries.c.created_at)).where(webhook_deliveries.c.state == _PENDING)
        oldest: datetime | None = (await self._session.execute(query)).scalar_one()
        return oldest

    async def one(self, endpoint_id: UUID, delivery_id: UUID) -> DeliveryRecord | None:
        row = (await self._session.execute(delivery_of(endpoint_id, delivery_id))).mappings().one_or_none()
        if row is None:
            return None
        return DeliveryRecord(
            delivery=delivery_from_row(row), attempts=(await self._attempts_of([row["id"]]))[row["id"]]
        )

    async def _attempts_of(self, delivery_ids: Sequence[UUID]) -> dict[UUID, list[DeliveryAttempt]]:
        attempts: dict[UUID, list[DeliveryAttempt]] = {delivery_id: [] for delivery_id in delivery_ids}
        if not attempts:
            return attempts
        query = (
            select(webhook_attempts).where(webhook_attempts.c.delivery_id.in_(attempts)).order_by(webhook_attempts.c.id)
        )
        for attempt in (await self._session.execute(query)).mappings():
            attempts[attempt["delivery_id"]].append(
                DeliveryAttempt(
                    at=attempt["at"],
                    status_code=attempt["status_code"],
                    duration_ms=attempt["duration_ms"],
                    error=attempt["error"],
                )
            )
        return attempts

    async def page(self, endpoint_id: UUID, state: DeliveryState | None, page: PageRequest) -> Page[DeliveryRecord]:
        conditions = [webhook_deliveries.c.endpoint_id == endpoint_id]
        if state is not None:
            conditions.append(webhook_deliveries.c.state == state.value)
        total = (
            await self._session.execute(select(func.count()).select_from(webhook_deliveries).where(*conditions))
        ).scalar_one()
        rows = (
            (
                await self._session.execute(
                    select(webhook_deliveries)
                    .where(*conditions)
                    .order_by(webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.id.desc())
                    .limit(page.limit)
                    .offset(page.offset)
                )
            )
            .mappings()
            .all()
        )
        attempts = await self._attempts_of([row["id"] for row in rows])
        items = [DeliveryRecord(delivery=delivery_from_row(row), attempts=attempts[row["id"]]) for row in rows]
        return Page(items=items, total=total, limit=page.limit, offset=page.offset)
