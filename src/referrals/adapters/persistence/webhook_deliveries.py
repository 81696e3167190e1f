"""Deliveries: fanned out from the feed, claimed by one process at a time, and their attempts recorded.

An endpoint's delivery log, as operators read it, is in webhook_delivery_queries.py."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.tables import events
from referrals.adapters.persistence.webhook_endpoints import endpoint_from_row
from referrals.adapters.persistence.webhook_tables import (
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoints,
    webhook_fan_out,
)
from referrals.adapters.webhooks.payload import payload_of
from referrals.application.ports.events import StoredEvent
from referrals.application.ports.webhooks import (
    ClaimedDelivery,
    RecordedAttempt,
    WebhookDeliveryRepository,
)
from referrals.domain.events import EventType
from referrals.domain.ids import new_id
from referrals.domain.webhook_deliveries import DeliveryState, WebhookDelivery
from referrals.domain.webhooks import WebhookEndpoint

_PENDING = DeliveryState.PENDING.value
_FAILED = DeliveryState.FAILED.value
_MAX_ERROR_LENGTH = 200
# The longest overdue rows a claim looks among: enough for every endpoint's share in a busy round, few enough
# that a backlog of any size costs a claim the same.
CLAIM_CANDIDATES = 1000


# ON CONFLICT DO NOTHING: an event is owed to an endpoint once, whatever fan-outs race.
_INSERT_UNLESS_OWED = {
    "postgresql": postgresql.insert(webhook_deliveries).on_conflict_do_nothing(
        index_elements=["endpoint_id", "event_id"]
    ),
    "sqlite": sqlite.insert(webhook_deliveries).on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"]),
}
# Only where the claim is still this process's: one that lapsed may be another's by now.
_RECORD = (
    update(webhook_deliveries)
    .where(
        webhook_deliveries.c.id == bindparam("b_id"),
        webhook_deliveries.c.claimed_until == bindparam("b_claimed_until"),
    )
    .values(
        state=bindparam("b_state"),
        next_attempt_at=bindparam("b_next_attempt_at"),
        attempts_made=bindparam("b_attempts_made"),
        claimed_until=None,
    )
)


# Past every event committed so far, unless some endpoint is registered (and may be owed some of them).
_NEWEST_EVENT = select(func.max(events.c.id)).scalar_subquery()
_PASS_UNOWED_EVENTS = (
    update(webhook_fan_out)
    .where(
        webhook_fan_out.c.id == 1,
        webhook_fan_out.c.last_event_id < _NEWEST_EVENT,
        ~select(webhook_endpoints.c.id).exists(),
    )
    .values(last_event_id=_NEWEST_EVENT)
)


def _unclaimed(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    return or_(webhook_deliveries.c.claimed_until.is_(None), webhook_deliveries.c.claimed_until <= now)


def _due(now: datetime | BindParameter[datetime]) -> Select[tuple[UUID]]:
    """Pending deliveries due by ``now``, to enabled endpoints, that no process holds."""
    return (
        select(webhook_deliveries.c.id)
        .join(webhook_endpoints, webhook_endpoints.c.id == webhook_deliveries.c.endpoint_id)
        .where(
            webhook_deliveries.c.state == _PENDING,
            webhook_deliveries.c.next_attempt_at <= now,
            webhook_endpoints.c.enabled.is_(True),
            _unclaimed(now),
        )
    )


# Every round of every process asks: built once, the instant sent as a parameter.
_ANY_DUE = _due(bindparam("now")).limit(1)


class SqlaWebhookDeliveryRepository(WebhookDeliveryRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def fan_out_position(self) -> int:
        query = select(webhook_fan_out.c.last_event_id).where(webhook_fan_out.c.id == 1)
        return int((await self._session.execute(query)).scalar_one())

    async def any_due(self, now: datetime) -> bool:
        return (await self._session.execute(_ANY_DUE, {"now": now})).first() is not None

    async def lock_fan_out(self) -> int:
        # FOR UPDATE: a second fan-out waits for this one, then reads the cursor it left (SQLite's writers
        # take turns anyway).
        query = select(webhook_fan_out.c.last_event_id).where(webhook_fan_out.c.id == 1).with_for_update()
        return int((await self._session.execute(query)).scalar_one())

    async def add_owed(self, owed: Sequence[tuple[StoredEvent, UUID]], now: datetime) -> None:
        if not owed:
            return
        bodies = {event.id: payload_of(event) for event, _ in owed}
        await self._session.execute(
            _INSERT_UNLESS_OWED[self._session.get_bind().dialect.name],
            [
                {
                    "id": new_id(),
                    "endpoint_id": endpoint_id,
                    "event_id": event.id,
                    "event_type": event.type.value,
                    "body": bodies[event.id],
                    "state": _PENDING,
                    "created_at": now,
                    "next_attempt_at": now,
                }
                for event, endpoint_id in owed
            ],
        )

    async def advance_fan_out(self, last_event_id: int) -> None:
        await self._session.execute(
            update(webhook_fan_out).where(webhook_fan_out.c.id == 1).values(last_event_id=last_event_id)
        )

    async def lock_fan_out_for_registration(self) -> None:
        # The lock first, in a statement of its own: the update's look for endpoints then sees any registration
        # that committed while this waited for the lock (PostgreSQL reads each statement's own snapshot).
        await self.lock_fan_out()
        await self._session.execute(_PASS_UNOWED_EVENTS)

    async def claim_due(
        self, now: datetime, until: datetime, limit: int, share: int, held: Mapping[UUID, int]
    ) -> Sequence[ClaimedDelivery]:
        due = _due(now)
        full = [endpoint for endpoint, count in held.items() if count >= share]
        if full:
            due = due.where(webhook_deliveries.c.endpoint_id.not_in(full))
        oldest = (
            due.add_columns(webhook_deliveries.c.endpoint_id, webhook_deliveries.c.next_attempt_at)
            .order_by(webhook_deliveries.c.next_attempt_at)
            .limit(CLAIM_CANDIDATES)
            .subquery()
        )
        # Each endpoint's rows among the longest overdue, numbered oldest first: a row is claimed when its number
        # is within what is left of its endpoint's share, so no claim takes a row it would have to give back.
        candidates = select(
            oldest.c.id,
            oldest.c.endpoint_id,
            func.row_number()
            .over(partition_by=oldest.c.endpoint_id, order_by=(oldest.c.next_attempt_at, oldest.c.id))
            .label("place"),
        ).subquery()
        left = share - case(dict(held), value=candidates.c.endpoint_id, else_=0) if held else literal(share)
        chosen = (
            select(webhook_deliveries.c.id)
            .join(candidates, candidates.c.id == webhook_deliveries.c.id)
            .where(candidates.c.place <= left)
            .order_by(webhook_deliveries.c.next_attempt_at)
            .limit(limit)
            # SKIP LOCKED: processes claiming at once take different rows instead of queueing for the same.
            .with_for_update(of=webhook_deliveries, skip_locked=True)
        )
        claimed = (
            (
                await self._session.execute(
                    update(webhook_deliveries)
                    # Checked again on the row itself: one claimed by another process while this waited stays theirs.
                    .where(webhook_deliveries.c.id.in_(chosen), webhook_deliveries.c.state == _PENDING, _unclaimed(now))
                    .values(claimed_until=until)
                    .returning(*webhook_deliveries.c)
                )
            )
            .mappings()
            .all()
        )
        if not claimed:
            return []
        endpoint_ids = {row["endpoint_id"] for row in claimed}
        endpoints = {endpoint.id: endpoint for endpoint in await self._endpoints(endpoint_ids)}
        return [
            ClaimedDelivery(
                delivery=delivery_from_row(row),
                url=endpoints[row["endpoint_id"]].url,
                secrets=endpoints[row["endpoint_id"]].signing_secrets(now),
                body=row["body"].encode(),
                claimed_until=until,
            )
            for row in claimed
            if row["endpoint_id"] in endpoints
        ]

    async def _endpoints(self, ids: set[UUID]) -> Sequence[WebhookEndpoint]:
        rows = await self._session.execute(select(webhook_endpoints).where(webhook_endpoints.c.id.in_(ids)))
        return [endpoint_from_row(row) for row in rows.mappings()]

    async def record_attempts(self, attempts: Sequence[RecordedAttempt]) -> list[bool]:
        rows = [
            {
                "b_id": after.id,
                "b_claimed_until": claimed.claimed_until,
                "b_state": after.state.value,
                "b_next_attempt_at": after.next_attempt_at,
                "b_attempts_made": after.attempts_made,
            }
            for claimed, after, _ in attempts
        ]
        if not rows:
            return []
        # All at once where the driver counts an executemany's rows; one by one where it cannot, or where some
        # claim lapsed (the all-at-once try undone to its savepoint) and the rows recorded must be told apart.
        if self._session.get_bind().dialect.supports_sane_multi_rowcount:
            savepoint = await self._session.begin_nested()
            if (await self._session.execute(_RECORD, rows)).rowcount == len(rows):  # type: ignore[attr-defined]
                await savepoint.commit()
                await self._insert_attempts(attempts)
                return [True] * len(rows)
            await savepoint.rollback()
        recorded = []
        for row in rows:
            result = await self._session.execute(_RECORD, row)
            recorded.append(bool(result.rowcount))  # type: ignore[attr-defined]
        await self._insert_attempts([item for item, stored in zip(attempts, recorded, strict=True) if stored])
        return recorded

    async def _insert_attempts(self, attempts: Sequence[RecordedAttempt]) -> None:
        if attempts:
            await self._session.execute(
                insert(webhook_attempts),
                [
                    {
                        "delivery_id": after.id,
                        "at": attempt.at,
                        "status_code": attempt.status_code,
                        "duration_ms": attempt.duration_ms,
                        "error": None if attempt.error is None else attempt.error[:_MAX_ERROR_LENGTH],
                    }
                    for _, after, attempt in attempts
                ],
            )

    async def get(self, endpoint_id: UUID, delivery_id: UUID) -> WebhookDelivery | None:
        row = (await self._session.execute(delivery_of(endpoint_id, delivery_id))).mappings().one_or_none()
        return None if row is None else delivery_from_row(row)

    async def purge_finished_before(self, cutoff: datetime, limit: int) -> int:
        due = (
            select(webhook_deliveries.c.id)
            .where(webhook_deliveries.c.created_at < cutoff, webhook_deliveries.c.state != _PENDING)
            .order_by(webhook_deliveries.c.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        # Their attempts go with them (ON DELETE CASCADE).
        purged = await self._session.execute(delete(webhook_deliveries).where(webhook_deliveries.c.id.in_(due)))
        return int(purged.rowcount)  # type: ignore[attr-defined]  # a DELETE's result has a row count

    async def reschedule(self, delivery: WebhookDelivery) -> bool:
        rescheduled = await self._session.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == delivery.id, webhook_deliveries.c.state == _FAILED)
            .values(
                state=delivery.state.value,
                next_attempt_at=delivery.next_attempt_at,
                schedule_start=delivery.schedule_start,
                claimed_until=None,
            )
        )
        return bool(rescheduled.rowcount)  # type: ignore[attr-defined]  # an UPDATE's result has a row count


def delivery_of(endpoint_id: UUID, delivery_id: UUID) -> Select[Any]:
    return select(webhook_deliveries).where(
        webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.endpoint_id == endpoint_id
    )


def delivery_from_row(row: Any) -> WebhookDelivery:
    return WebhookDelivery(
        id=row["id"],
        endpoint_id=row["endpoint_id"],
        event_id=row["event_id"],
        event_type=EventType(row["event_type"]),
        state=DeliveryState(row["state"]),
        created_at=row["created_at"],
        next_attempt_at=row["next_attempt_at"],
        attempts_made=row["attempts_made"],
        schedule_start=row["schedule_start"],
    )
