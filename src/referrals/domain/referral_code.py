"""Referral codes and their lifetime rules."""

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from referrals.domain.errors import ActiveCodeExists, ExpiryNotInFuture, ExpiryTooFar

DEFAULT_MAX_CODE_LIFETIME = timedelta(days=365)


class CodeState(enum.StrEnum):
    """The stored state. ``ACTIVE`` is necessary but not sufficient for a live code: it must not have expired."""

    ACTIVE = "active"
    DELETED = "deleted"
    # An active code whose expiry passed, retired when its owner creates the next one.
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class ReferralCode:
    id: UUID
    owner_id: UUID
    code: str
    created_at: datetime
    expires_at: datetime
    state: CodeState = CodeState.ACTIVE

    def is_active(self, now: datetime) -> bool:
        return self.state is CodeState.ACTIVE and now < self.expires_at


def check_expiry(expires_at: datetime, now: datetime, max_lifetime: timedelta) -> None:
    """A new code's expiry must lie strictly in the future and no further than ``max_lifetime`` from now."""
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        msg = "expires_at must carry a time zone."
        raise ExpiryNotInFuture(msg)
    if expires_at <= now:
        raise ExpiryNotInFuture
    if expires_at - now > max_lifetime:
        days = max_lifetime / timedelta(days=1)
        msg = f"expires_at may lie at most {days:g} days ahead."
        raise ExpiryTooFar(msg)


def must_retire_before_issuing(current: ReferralCode | None, now: datetime) -> bool:
    """Apply the one-active-code rule before a new code is issued.

    Raises ``ActiveCodeExists`` while the owner's current code is live; returns True when the current
    code is still stored as active but has expired, so it has to be retired to make room.
    """
    if current is None:
        return False
    if current.is_active(now):
        raise ActiveCodeExists
    return current.state is CodeState.ACTIVE
