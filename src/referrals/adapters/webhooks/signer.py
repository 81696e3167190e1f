"""Signatures as the Standard Webhooks specification defines them, made by its reference library."""

from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from referrals.application.ports.webhooks import WebhookSigner


class StandardWebhookSigner(WebhookSigner):
    def signature(self, message_id: str, timestamp: datetime, body: bytes, secrets: Sequence[str]) -> str:
        text = body.decode()
        # The library reads the instant as UTC whatever its zone says: give it one in UTC.
        at = timestamp.astimezone(UTC)
        return " ".join(Webhook(secret).sign(message_id, at, text) for secret in secrets)
