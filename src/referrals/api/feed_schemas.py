"""The event feed's wire format."""

from datetime import datetime

import msgspec

from referrals.domain.events import EventType


class EventResponse(msgspec.Struct, frozen=True):
    id: int
    type: EventType
    occurred_at: datetime
    # The JSON document stored with the event, served byte for byte as it was recorded.
    data: msgspec.Raw


class EventFeedResponse(msgspec.Struct, frozen=True):
    items: list[EventResponse]
    # Pass back as ``after`` for the next page: the last id served, or the ``after`` given when none was.
    next_after: int
