from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from referrals.application.ports.events import EventQueries, StoredEvent
from referrals.domain.events import EventType

MAX_FEED_PAGE: Final = 1000


@dataclass(frozen=True, slots=True)
class FeedRequest:
    after: int = 0
    types: frozenset[EventType] = frozenset()
    limit: int = 100


@dataclass(frozen=True, slots=True)
class FeedPage:
    items: Sequence[StoredEvent]
    # The cursor for the next page: the last id served, or the one asked for when there was nothing new.
    next_after: int


@dataclass(frozen=True, slots=True)
class ReadEventFeed:
    """Committed events after a cursor, oldest first, of the given types (all when none is given).

    Ids only grow in commit order, so a reader that passes ``next_after`` back misses nothing and sees
    nothing twice.
    """

    events: EventQueries

    async def __call__(self, request: FeedRequest) -> FeedPage:
        limit = max(1, min(request.limit, MAX_FEED_PAGE))
        items = await self.events.after(request.after, request.types, limit)
        return FeedPage(items=items, next_after=items[-1].id if items else request.after)
