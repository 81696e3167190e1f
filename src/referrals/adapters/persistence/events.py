"""The event feed: committed events in id order, read with one autocommit statement each page."""

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from referrals.adapters.persistence.engine import autocommit_reads
from referrals.adapters.persistence.tables import events
from referrals.application.ports.events import EventQueries, StoredEvent
from referrals.domain.events import EventType

_COLUMNS = (events.c.id, events.c.type, events.c.occurred_at, events.c.data)
_PAGE = select(*_COLUMNS).where(events.c.id > bindparam("cursor")).order_by(events.c.id).limit(bindparam("limit"))
_PAGE_OF_TYPES = (
    select(*_COLUMNS)
    .where(events.c.id > bindparam("cursor"), events.c.type.in_(bindparam("types", expanding=True)))
    .order_by(events.c.id)
    .limit(bindparam("limit"))
)


class SqlaEventQueries(EventQueries):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = autocommit_reads(engine)

    async def after(self, cursor: int, types: frozenset[EventType], limit: int) -> Sequence[StoredEvent]:
        statement = _PAGE_OF_TYPES if types else _PAGE
        parameters: dict[str, object] = {"cursor": cursor, "limit": limit}
        if types:
            parameters["types"] = sorted(types)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement, parameters)).all()
        return [
            StoredEvent(id=row.id, type=EventType(row.type), occurred_at=row.occurred_at, data=row.data.encode())
            for row in rows
        ]
