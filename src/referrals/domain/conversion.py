"""Conversions: what the operator's backend reports a user did (a purchase, a subscription)."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from referrals.domain.money import Money
from referrals.domain.programme_errors import ConversionInFuture

MAX_CONVERSION_ID_LENGTH = 255
MAX_EVENT_TYPE_LENGTH = 64


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
