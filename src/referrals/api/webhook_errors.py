"""The statuses of webhook refusals: a URL, event list or description the schema cannot state is a 400,
as the webhook rules are ones an operator's tooling checks before it sends."""

from http import HTTPStatus

from referrals.application.errors import ApplicationError
from referrals.domain.errors import DomainError
from referrals.domain.webhook_errors import (
    DeliveryNotFailed,
    DeliveryNotFound,
    InvalidWebhookDescription,
    InvalidWebhookUrl,
    UnknownWebhookEventType,
    WebhookAddressRefused,
    WebhookNotFound,
)

WEBHOOK_STATUSES: dict[type[DomainError] | type[ApplicationError], HTTPStatus] = {
    InvalidWebhookUrl: HTTPStatus.BAD_REQUEST,
    WebhookAddressRefused: HTTPStatus.BAD_REQUEST,
    UnknownWebhookEventType: HTTPStatus.BAD_REQUEST,
    InvalidWebhookDescription: HTTPStatus.BAD_REQUEST,
    WebhookNotFound: HTTPStatus.NOT_FOUND,
    DeliveryNotFound: HTTPStatus.NOT_FOUND,
    DeliveryNotFailed: HTTPStatus.CONFLICT,
}
