"""The Standard Webhooks body of an event: ``{"type", "timestamp", "data"}``, with ``data`` the event's document
exactly as the feed serves it."""

from datetime import datetime

import msgspec

from referrals.application.ports.events import StoredEvent

_ENCODER = msgspec.json.Encoder()


class _Payload(msgspec.Struct, frozen=True):
    type: str
    timestamp: datetime
    data: msgspec.Raw


def payload_of(event: StoredEvent) -> str:
    payload = _Payload(type=event.type.value, timestamp=event.occurred_at, data=msgspec.Raw(event.data))
    return _ENCODER.encode(payload).decode()
