"""The webhook routes' wire format."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

from referrals.domain.events import EventType
from referrals.domain.webhook_deliveries import DeliveryState
from referrals.domain.webhooks import MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH

WebhookUrl = Annotated[str, Meta(min_length=1, max_length=MAX_URL_LENGTH, examples=["https://crm.example.com/hooks"])]
EventNames = Annotated[
    list[Annotated[str, Meta(max_length=64)]],
    Meta(
        min_length=1,
        max_length=len(EventType) + 1,
        description='Event types to deliver, or `["*"]` for every type (those added later included).',
        examples=[["referral.qualified", "reward.available"]],
    ),
]
Description = Annotated[str, Meta(max_length=MAX_DESCRIPTION_LENGTH)]


class NewWebhookRequest(msgspec.Struct, frozen=True):
    url: WebhookUrl
    events: EventNames
    description: Description = ""


class WebhookChangeRequest(msgspec.Struct, frozen=True):
    """Each field given is changed; one left out (or null) stays as it is."""

    url: WebhookUrl | None = None
    events: EventNames | None = None
    description: Description | None = None
    enabled: bool | None = None


class WebhookResponse(msgspec.Struct, frozen=True):
    id: UUID
    url: str
    events: list[str]
    description: str
    enabled: bool
    created_at: datetime


class NewWebhookResponse(WebhookResponse, frozen=True):
    # Shown here and on rotation only: keep it to verify deliveries' signatures.
    secret: str


class WebhookListResponse(msgspec.Struct, frozen=True):
    items: list[WebhookResponse]


class WebhookSecretResponse(msgspec.Struct, frozen=True):
    secret: str


class DeliveryAttemptResponse(msgspec.Struct, frozen=True):
    at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None


class DeliveryResponse(msgspec.Struct, frozen=True):
    id: UUID
    event_id: int
    event_type: EventType
    state: DeliveryState
    attempts: list[DeliveryAttemptResponse]
    next_attempt_at: datetime | None
    created_at: datetime


class DeliveryPageResponse(msgspec.Struct, frozen=True):
    items: list[DeliveryResponse]
    total: int
    limit: int
    offset: int
