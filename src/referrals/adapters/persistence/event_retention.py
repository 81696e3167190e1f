"""Forgetting events the feed no longer serves."""

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.tables import events
from referrals.application.ports.events import EventRetention


class SqlaEventRetention(EventRetention):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def purge_recorded_before(self, cutoff: datetime, limit: int) -> int:
        # Oldest first, in the feed's order (ix_events_recorded_at finds the candidates). SKIP LOCKED lets two
        # purging processes split the work instead of queueing behind each other.
        due = (
            select(events.c.id)
            .where(events.c.recorded_at < cutoff)
            .order_by(events.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        result = await self._session.execute(delete(events).where(events.c.id.in_(due)))
        return int(result.rowcount)  # type: ignore[attr-defined]  # a DELETE's result has a row count
