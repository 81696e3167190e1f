"""Referral codes and their lifetime rules."""

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from referrals.domain.errors import ActiveCodeExists, ExpiryNotInFuture, ExpiryTooFar, InvalidMaxUses
from referrals.domain.events import DomainEvent, EventType

DEFAULT_MAX_CODE_LIFETIME = timedelta(days=365)
MAX_CODE_USES = 1_000_000


class CodeState(enum.StrEnum):
    """The stored state. ``ACTIVE`` is necessary but not sufficient for a live code: it must not have expired."""

    ACTIVE = "active"
    DELETED = "deleted"
    # An active code whose expiry passed, retired when its owner creates the next one.
    EXPIRED = "expired"
    # Its last allowed use taken: dead like any other ended code, and its owner may create the next one.
    SPENT = "spent"


@dataclass(frozen=True, slots=True)
class ReferralCode:
    id: UUID
    owner_id: UUID
    code: str
    created_at: datetime
    expires_at: datetime
    state: CodeState = CodeState.ACTIVE
    # How many newcomers may register with it (None: no limit), and how many have.
    max_uses: int | None = None
    uses: int = 0

    def is_active(self, now: datetime) -> bool:
        return self.state is CodeState.ACTIVE and now < self.expires_at


_CODE_EVENTS = {
    CodeState.ACTIVE: EventType.CODE_CREATED,
    CodeState.DELETED: EventType.CODE_DELETED,
    CodeState.EXPIRED: EventType.CODE_EXPIRED,
    CodeState.SPENT: EventType.CODE_SPENT,
}


def code_event(code: ReferralCode, state: CodeState, at: datetime) -> DomainEvent:
    """What a code moving into ``state`` at ``at`` tells the event feed: created, deleted or expired."""
    return DomainEvent(
        type=_CODE_EVENTS[state],
        occurred_at=at,
        subject_id=code.id,
        data={
            "id": code.id,
            "owner_id": code.owner_id,
            "code": code.code,
            "state": state.value,
            "created_at": code.created_at,
            "expires_at": code.expires_at,
            "ended_at": None if state is CodeState.ACTIVE else at,
            "max_uses": code.max_uses,
            "uses": code.uses,
        },
    )


def check_max_uses(max_uses: int | None) -> None:
    if max_uses is not None and not 1 <= max_uses <= MAX_CODE_USES:
        msg = f"max_uses must lie between 1 and {MAX_CODE_USES:,}."
        raise InvalidMaxUses(msg)


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
