"""Webhook endpoints and deliveries as the API shows them."""

from collections.abc import Sequence

import msgspec

from referrals.api.webhook_schemas import (
    DeliveryAttemptResponse,
    DeliveryPageResponse,
    DeliveryResponse,
    NewWebhookResponse,
    WebhookResponse,
)
from referrals.application.pages import Page
from referrals.application.ports.webhooks import DeliveryRecord
from referrals.domain.webhook_deliveries import DeliveryAttempt, WebhookDelivery
from referrals.domain.webhooks import EVERY_EVENT, WebhookEndpoint


def _events(endpoint: WebhookEndpoint) -> list[str]:
    return [EVERY_EVENT] if endpoint.event_types is None else sorted(endpoint.event_types)


def webhook_view(endpoint: WebhookEndpoint) -> WebhookResponse:
    return WebhookResponse(
        id=endpoint.id,
        url=endpoint.url,
        events=_events(endpoint),
        description=endpoint.description,
        enabled=endpoint.enabled,
        created_at=endpoint.created_at,
    )


def new_webhook_view(endpoint: WebhookEndpoint) -> NewWebhookResponse:
    return NewWebhookResponse(**msgspec.structs.asdict(webhook_view(endpoint)), secret=endpoint.secret)


def delivery_view(delivery: WebhookDelivery, attempts: Sequence[DeliveryAttempt] = ()) -> DeliveryResponse:
    return DeliveryResponse(
        id=delivery.id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        state=delivery.state,
        attempts=[
            DeliveryAttemptResponse(
                at=attempt.at, status_code=attempt.status_code, duration_ms=attempt.duration_ms, error=attempt.error
            )
            for attempt in attempts
        ],
        next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
    )


def delivery_page_view(page: Page[DeliveryRecord]) -> DeliveryPageResponse:
    return DeliveryPageResponse(
        items=[delivery_view(record.delivery, record.attempts) for record in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )
