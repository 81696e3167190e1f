"""Signatures as the Standard Webhooks specification defines them, made by its reference library."""

from collections.abc import Sequence
from datetime import datetime

from standardwebhooks.webhooks import Webhook

from referrals.application.ports.webhooks import WebhookSigner


class StandardWebhookSigner(WebhookSigner):
    def signature(self, message_id: str, timestamp: datetime, body: bytes, secrets: Sequence[str]) -> str:
        text = body.decode()
        return " ".join(Webhook(secret).sign(message_id, timestamp, text) for secret in secrets)
