"""Webhook refusals: endpoints an operator may not register, and what is not there to change."""

from referrals.domain.errors import DomainError


class InvalidWebhookUrl(DomainError):
    code = "invalid-webhook-url"
    default_message = "The webhook URL is not an absolute https URL with a host and without credentials."


class WebhookAddressRefused(DomainError):
    code = "webhook-address-refused"
    default_message = (
        "The webhook URL's host does not resolve, or resolves to an address that is not public "
        "(loopback, private, link-local, multicast or reserved)."
    )


class UnknownWebhookEventType(DomainError):
    code = "unknown-event-type"
    default_message = "The event types are not known."


class InvalidWebhookDescription(DomainError):
    code = "invalid-webhook-description"
    default_message = "The description is at most 500 characters, without NUL."


class WebhookNotFound(DomainError):
    code = "webhook-not-found"
    default_message = "No webhook endpoint has this id."


class DeliveryNotFound(DomainError):
    code = "delivery-not-found"
    default_message = "This endpoint has no delivery with this id."


class DeliveryNotFailed(DomainError):
    code = "delivery-not-failed"
    default_message = "Only a failed delivery can be sent again; this one is still pending or has succeeded."
