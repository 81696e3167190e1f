"""The event feed: committed events in id order, one prebuilt select per page."""

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, literal, select

from referrals.adapters.persistence.reads import CommittedReads
from referrals.adapters.persistence.tables import events
from referrals.application.ports.events import EventQueries, StoredEvent
from referrals.domain.events import EventType

_COLUMNS = (events.c.id, events.c.type, events.c.occurred_at, events.c.data)
_PAGE = select(*_COLUMNS).where(events.c.id > bindparam("cursor")).order_by(events.c.id).limit(bindparam("limit"))


@lru_cache(maxsize=64)
def _page_of_types(types: tuple[EventType, ...]) -> Select[Any]:
    # The types are the statement's constants, written into its SQL, not parameters (an expanding parameter
    # cannot be compiled ahead for the driver's pool): then a page of given types is a prebuilt statement like
    # any other. Only the handful of type sets readers actually ask for are kept.
    return _PAGE.where(events.c.type.in_([literal(event_type.value, literal_execute=True) for event_type in types]))


class SqlaEventQueries(EventQueries):
    def __init__(self, reads: CommittedReads) -> None:
        self._reads = reads

    async def after(self, cursor: int, types: frozenset[EventType], limit: int) -> Sequence[StoredEvent]:
        statement = _page_of_types(tuple(sorted(types))) if types else _PAGE
        rows = await self._reads.all(statement, {"cursor": cursor, "limit": limit})
        return [
            StoredEvent(
                id=row["id"], type=EventType(row["type"]), occurred_at=row["occurred_at"], data=row["data"].encode()
            )
            for row in rows
        ]
