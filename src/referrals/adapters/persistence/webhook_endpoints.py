"""Webhook endpoints in the request's session."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, case, delete, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.tables import UtcDateTime, events
from referrals.adapters.persistence.webhook_tables import webhook_endpoints
from referrals.application.ports.webhooks import WebhookEndpointRepository
from referrals.domain.events import EventType
from referrals.domain.webhooks import WebhookEndpoint

_ANY_REGISTERED = select(webhook_endpoints.c.id).limit(1)


class SqlaWebhookEndpointRepository(WebhookEndpointRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, endpoint: WebhookEndpoint) -> None:
        # The newest event id now: every event committed later draws a larger one (see outbox.py).
        newest_event = select(func.coalesce(func.max(events.c.id), 0)).scalar_subquery()
        await self._session.execute(
            insert(webhook_endpoints).values(
                **_row(endpoint), created_at=endpoint.created_at, events_after=newest_event
            )
        )

    async def get(self, endpoint_id: UUID) -> WebhookEndpoint | None:
        query = select(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)
        row = (await self._session.execute(query)).mappings().one_or_none()
        return None if row is None else endpoint_from_row(row)

    async def locked(self, endpoint_id: UUID) -> WebhookEndpoint | None:
        query = select(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id).with_for_update()
        row = (await self._session.execute(query)).mappings().one_or_none()
        return None if row is None else endpoint_from_row(row)

    async def save(self, endpoint: WebhookEndpoint) -> None:
        values = _row(endpoint)
        if endpoint.enabled:
            # Enabled again by its operator: its failures so far no longer count towards disabling it.
            values["failing_since"] = case(
                (webhook_endpoints.c.enabled.is_(False), None), else_=webhook_endpoints.c.failing_since
            )
        await self._session.execute(
            update(webhook_endpoints).where(webhook_endpoints.c.id == endpoint.id).values(**values)
        )

    async def delete(self, endpoint_id: UUID) -> bool:
        deleted = await self._session.execute(delete(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id))
        return bool(deleted.rowcount)  # type: ignore[attr-defined]  # a DELETE's result has a row count

    async def all(self) -> Sequence[WebhookEndpoint]:
        query = select(webhook_endpoints).order_by(webhook_endpoints.c.created_at, webhook_endpoints.c.id)
        return [endpoint_from_row(row) for row in (await self._session.execute(query)).mappings()]

    async def any_registered(self) -> bool:
        return (await self._session.execute(_ANY_REGISTERED)).first() is not None

    async def note_success(self, endpoint_id: UUID) -> None:
        await self._session.execute(
            update(webhook_endpoints)
            .where(webhook_endpoints.c.id == endpoint_id, webhook_endpoints.c.failing_since.is_not(None))
            .values(failing_since=None)
        )

    async def note_failure(
        self, endpoint_id: UUID, at: datetime, *, gone: bool, failing_since_cutoff: datetime
    ) -> None:
        failing_too_long = and_(
            webhook_endpoints.c.failing_since.is_not(None), webhook_endpoints.c.failing_since <= failing_since_cutoff
        )
        await self._session.execute(
            update(webhook_endpoints)
            .where(webhook_endpoints.c.id == endpoint_id)
            .values(
                failing_since=func.coalesce(webhook_endpoints.c.failing_since, literal(at, UtcDateTime)),
                enabled=False if gone else case((failing_too_long, False), else_=webhook_endpoints.c.enabled),
            )
        )


def _row(endpoint: WebhookEndpoint) -> dict[str, object]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "event_types": None if endpoint.event_types is None else " ".join(sorted(endpoint.event_types)),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "secret": endpoint.secret,
        "previous_secret": endpoint.previous_secret,
        "previous_secret_until": endpoint.previous_secret_until,
    }


def endpoint_from_row(row: Any) -> WebhookEndpoint:
    types = row["event_types"]
    return WebhookEndpoint(
        id=row["id"],
        url=row["url"],
        event_types=None if types is None else frozenset(EventType(name) for name in types.split()),
        description=row["description"],
        enabled=row["enabled"],
        created_at=row["created_at"],
        secret=row["secret"],
        previous_secret=row["previous_secret"],
        previous_secret_until=row["previous_secret_until"],
        events_after=row["events_after"],
    )
