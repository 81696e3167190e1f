"""Deliveries: one event owed to one endpoint, the attempts made, and when the next one is due."""

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

from referrals.domain.events import EventType

# An endpoint whose every attempt has failed for this long is disabled: nobody is reading what it gets.
DISABLE_AFTER_FAILING_FOR: Final = timedelta(days=5)
# Each delay is stretched or shrunk by up to this share, so retries after an outage do not all land at once.
JITTER: Final = 0.1
GONE: Final = 410


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    at: datetime
    # None when no answer came: a timeout, a refused connection, an address refused after resolution.
    status_code: int | None
    duration_ms: int
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300  # noqa: PLR2004


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    id: UUID
    endpoint_id: UUID
    event_id: int
    event_type: EventType
    state: DeliveryState
    created_at: datetime
    next_attempt_at: datetime | None
    attempts_made: int = 0
    # How many attempts came before the current retry schedule began (a manual retry starts a new one).
    schedule_start: int = 0

    def after(self, attempt: DeliveryAttempt, delays: Sequence[float], jitter: float) -> "WebhookDelivery":
        """This delivery once ``attempt`` is made: succeeded, due again after the next delay, or failed.

        ``jitter`` in [-1, 1] picks where in the ±JITTER band the delay lands."""
        made = self.attempts_made + 1
        if attempt.succeeded:
            return replace(self, attempts_made=made, state=DeliveryState.SUCCEEDED, next_attempt_at=None)
        retry = self.attempts_made - self.schedule_start
        if attempt.status_code == GONE or retry >= len(delays):
            return replace(self, attempts_made=made, state=DeliveryState.FAILED, next_attempt_at=None)
        delay = timedelta(seconds=delays[retry] * (1 + JITTER * jitter))
        return replace(self, attempts_made=made, state=DeliveryState.PENDING, next_attempt_at=attempt.at + delay)

    def sent_again(self, now: datetime) -> "WebhookDelivery":
        """A failed delivery due at once, with a whole retry schedule ahead of it."""
        return replace(self, state=DeliveryState.PENDING, next_attempt_at=now, schedule_start=self.attempts_made)
