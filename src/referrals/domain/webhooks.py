"""Webhook endpoints: where an operator's systems want the events, which ones, and the secrets that sign them."""

import base64
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import urlsplit
from uuid import UUID

from referrals.domain.events import EventType
from referrals.domain.webhook_errors import InvalidWebhookDescription, InvalidWebhookUrl, UnknownWebhookEventType

SECRET_PREFIX: Final = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES: Final = 32  # Standard Webhooks asks for 24 to 64
# After a rotation deliveries carry a signature with the old secret too, so receivers can switch over.
ROTATION_OVERLAP: Final = timedelta(hours=24)
EVERY_EVENT: Final = "*"
MAX_URL_LENGTH: Final = 2048
MAX_DESCRIPTION_LENGTH: Final = 500


def new_webhook_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def checked_event_types(names: Iterable[str]) -> frozenset[EventType] | None:
    """The types an endpoint subscribes to, or None for every type (``["*"]``)."""
    wanted = frozenset(names)
    if not wanted:
        msg = 'Name at least one event type, or "*" for all of them.'
        raise UnknownWebhookEventType(msg)
    if wanted == {EVERY_EVENT}:
        return None
    known = {event_type.value for event_type in EventType}
    unknown = sorted(wanted - known)
    if unknown:
        msg = f"Unknown event types: {', '.join(unknown)}."
        raise UnknownWebhookEventType(msg)
    return frozenset(EventType(name) for name in wanted)


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """Where a URL points: what its host must resolve to is checked apart, at creation and at every delivery."""

    url: str
    scheme: str
    host: str
    port: int


def checked_webhook_url(url: str, *, allow_plain_http: bool) -> WebhookTarget:
    """A URL a delivery can be posted to: ``https`` (``http`` too only where private networks are allowed),
    with a host, and without credentials or a fragment, in ASCII as it goes on the wire."""
    if len(url) > MAX_URL_LENGTH or any(not character.isprintable() or character.isspace() for character in url):
        raise InvalidWebhookUrl
    if not url.isascii():
        msg = "Write the webhook URL in ASCII: an international host in its xn-- form, the rest percent-encoded."
        raise InvalidWebhookUrl(msg)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidWebhookUrl from None
    schemes = ("https", "http") if allow_plain_http else ("https",)
    if parts.scheme not in schemes:
        raise InvalidWebhookUrl("A webhook URL must use https.")
    if not parts.hostname or parts.username is not None or parts.password is not None or "#" in url or port == 0:
        raise InvalidWebhookUrl
    default_port = 443 if parts.scheme == "https" else 80
    return WebhookTarget(url=url, scheme=parts.scheme, host=parts.hostname, port=port or default_port)


def checked_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION_LENGTH or "\x00" in description:
        raise InvalidWebhookDescription
    return description


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    id: UUID
    url: str
    # None: every event type, those added later included.
    event_types: frozenset[EventType] | None
    description: str
    enabled: bool
    created_at: datetime
    secret: str = field(repr=False)
    previous_secret: str | None = field(default=None, repr=False)
    previous_secret_until: datetime | None = None
    # The last event in the feed when it was registered: it is owed those after, not the ones before.
    events_after: int = 0

    def is_owed(self, event_id: int, event_type: EventType) -> bool:
        return event_id > self.events_after and (self.event_types is None or event_type in self.event_types)

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        """The current secret, and the one before it while the rotation's overlap lasts."""
        if (
            self.previous_secret is not None
            and self.previous_secret_until is not None
            and now < self.previous_secret_until
        ):
            return (self.secret, self.previous_secret)
        return (self.secret,)

    def rotated(self, now: datetime) -> "WebhookEndpoint":
        return replace(
            self,
            secret=new_webhook_secret(),
            previous_secret=self.secret,
            previous_secret_until=now + ROTATION_OVERLAP,
        )
