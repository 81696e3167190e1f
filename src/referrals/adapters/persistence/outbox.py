"""Writing a transaction's events, in the order their transactions commit."""

from collections.abc import Sequence
from datetime import datetime

import msgspec
from sqlalchemy import Executable, bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.tables import events
from referrals.domain.events import DomainEvent

# One PostgreSQL advisory lock serialises the last step of every transaction that records events: ids are
# drawn under it and it is released by the commit, so ids become visible in the order they were drawn and a
# feed reader past id N never later finds a smaller one committed behind it. The lock is taken just before
# the commit, so it is held for one insert and the commit itself. SQLite has one writer at a time anyway.
_EVENT_ORDER_LOCK = 0x7265_6665_7272_616C  # "referral", as a 64-bit key nothing else uses
_ENCODER = msgspec.json.Encoder()
_COLUMNS = ("type", "occurred_at", "recorded_at", "subject_id", "data")
_INSERT = insert(events)


def _insert_under_order_lock() -> Executable:
    """The insert, each row selected from a materialised CTE that takes the lock: the lock is held before the
    first id is drawn, and costs no round trip of its own. The later rows of an executemany take it again:
    it is already the transaction's, so they do not wait."""
    order_lock = select(func.pg_advisory_xact_lock(_EVENT_ORDER_LOCK).label("taken")).cte("event_order")
    order_lock = order_lock.prefix_with("MATERIALIZED")
    row = select(*(bindparam(name, type_=events.c[name].type) for name in _COLUMNS)).select_from(order_lock)
    return insert(events).from_select(list(_COLUMNS), row)


_INSERT_UNDER_ORDER_LOCK = _insert_under_order_lock()


async def append_events(session: AsyncSession, pending: Sequence[DomainEvent], recorded_at: datetime) -> None:
    if not pending:
        return
    ordered = session.get_bind().dialect.name == "postgresql"
    await session.execute(
        _INSERT_UNDER_ORDER_LOCK if ordered else _INSERT,
        [
            {
                "type": event.type.value,
                "occurred_at": event.occurred_at,
                "recorded_at": recorded_at,
                "subject_id": event.subject_id,
                "data": _ENCODER.encode(event.data).decode(),
            }
            for event in pending
        ],
    )
