"""Conversions: what the operator's backend reports a user did (a purchase, a subscription)."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from referrals.domain.money import Money, check_currency
from referrals.domain.programme_errors import ConversionInFuture, InvalidConversion, InvalidEventType

MAX_CONVERSION_ID_LENGTH = 255
MAX_EVENT_TYPE_LENGTH = 64
EVENT_TYPE_PATTERN = r"^[a-z0-9][a-z0-9_.:-]*$"
_EVENT_TYPE = re.compile(EVENT_TYPE_PATTERN)
# Long before any referral this service records, so a conversion earlier than this is a mistake; and far enough
# from the first year a datetime holds that no offset or duration applied to it falls outside the calendar.
EARLIEST_OCCURRED_AT = datetime(2000, 1, 1, tzinfo=UTC)


def check_event_type(event_type: str) -> str:
    # Whole: $ in the pattern (JSON Schema's spelling) would let a final newline through.
    if len(event_type) > MAX_EVENT_TYPE_LENGTH or not _EVENT_TYPE.fullmatch(event_type):
        msg = (
            f"{event_type!r} is not an event type: up to {MAX_EVENT_TYPE_LENGTH} lower-case letters, digits and "
            "_ . : -, beginning with a letter or a digit."
        )
        raise InvalidEventType(msg)
    return event_type


@dataclass(frozen=True, slots=True)
class Conversion:
    """``id`` is the operator's own: reporting the same conversion twice is recognised by it."""

    id: str
    user_id: UUID
    type: str
    value: Money | None
    occurred_at: datetime
    received_at: datetime

    def __post_init__(self) -> None:
        # PostgreSQL text cannot hold NUL; SQLite could, and both backends must take the same conversions.
        if "\x00" in self.id:
            msg = "id may not contain the NUL character (U+0000)."
            raise InvalidConversion(msg)
        check_event_type(self.type)
        if self.value is not None:
            check_currency(self.value.currency)
        if self.occurred_at < EARLIEST_OCCURRED_AT:
            msg = f"occurred_at may not lie before {EARLIEST_OCCURRED_AT:%Y-%m-%dT%H:%M:%SZ}."
            raise InvalidConversion(msg)
        if self.occurred_at > self.received_at:
            raise ConversionInFuture

    def same_report_as(self, other: "Conversion") -> bool:
        """Whether ``other`` reports this conversion again (its own time of arrival aside)."""
        return (self.id, self.user_id, self.type, self.value, self.occurred_at) == (
            other.id,
            other.user_id,
            other.type,
            other.value,
            other.occurred_at,
        )
