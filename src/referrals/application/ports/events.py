"""Events: recorded with the state change that caused them, and read back as a feed."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from referrals.domain.events import DomainEvent, EventType


class EventRecorder(Protocol):
    """The current write transaction's outbox. Repositories that change state record here, so no use case can
    change a resource and forget to say so; the events are stored if and only if the transaction commits."""

    def record(self, event: DomainEvent) -> None:
        """Raises ``RuntimeError`` outside a write transaction: an event without its state change is a bug."""
        ...


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the feed serves it; ``data`` is the JSON document recorded with it."""

    id: int
    type: EventType
    occurred_at: datetime
    data: bytes


class EventRetention(Protocol):
    async def purge_recorded_before(self, cutoff: datetime, limit: int) -> int:
        """Delete up to ``limit`` of the oldest events recorded before ``cutoff``; how many went."""
        ...


class EventQueries(Protocol):
    async def after(self, cursor: int, types: frozenset[EventType], limit: int) -> Sequence[StoredEvent]:
        """Committed events with an id above ``cursor``, oldest first; all types when ``types`` is empty.

        Ids are handed out in commit order, so a reader that has seen an id never later finds a smaller one.
        """
        ...
