"""Refresh tokens: opaque secrets handed out once, stored only as digests, rotated on every use."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

REFRESH_SECRET_BYTES = 32


def new_refresh_secret() -> str:
    return secrets.token_urlsafe(REFRESH_SECRET_BYTES)


def refresh_digest(secret: str) -> str:
    # A fast hash suffices: the secret has 256 bits of entropy, so there is nothing to brute-force.
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class RefreshToken:
    """One link of a rotation chain. ``family_id`` is shared by every token descended from one login."""

    id: UUID
    user_id: UUID
    family_id: UUID
    digest: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def is_spent(self) -> bool:
        """A spent token presented again is a replay: the whole family must be revoked."""
        return self.used_at is not None or self.revoked_at is not None

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at
