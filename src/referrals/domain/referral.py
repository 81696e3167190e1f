"""A referral: a newcomer who registered with a referrer's code, and where that stands."""

import enum
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from referrals.domain.events import DomainEvent, EventType
from referrals.domain.programme_errors import InvalidVoidNote, ReferralAlreadyVoided

MAX_VOID_NOTE_LENGTH = 500


class ReferralState(enum.StrEnum):
    PENDING = "pending"
    QUALIFIED = "qualified"
    VOIDED = "voided"


class VoidReason(enum.StrEnum):
    FRAUD = "fraud"
    REFUND = "refund"
    DUPLICATE = "duplicate"
    OTHER = "other"


def check_void_note(note: str) -> str:
    """The operator's words on a void, refused when no database column can keep them as they are."""
    if len(note) > MAX_VOID_NOTE_LENGTH:
        msg = f"A note may be at most {MAX_VOID_NOTE_LENGTH} characters long."
        raise InvalidVoidNote(msg)
    # PostgreSQL text cannot hold NUL; SQLite could, and both backends must take the same notes.
    if "\x00" in note:
        msg = "A note may not contain the NUL character (U+0000)."
        raise InvalidVoidNote(msg)
    return note


@dataclass(frozen=True, slots=True)
class Referral:
    """``id`` is the referee's user id: each user is referred at most once."""

    id: UUID
    referrer_id: UUID
    email: str
    state: ReferralState
    created_at: datetime
    qualified_at: datetime | None = None
    voided_at: datetime | None = None
    void_reason: VoidReason | None = None

    def qualified(self, at: datetime) -> "Referral":
        if self.state is ReferralState.VOIDED:
            raise ReferralAlreadyVoided
        if self.state is ReferralState.QUALIFIED:
            return self
        return replace(self, state=ReferralState.QUALIFIED, qualified_at=at)

    def voided(self, reason: VoidReason, at: datetime) -> "Referral":
        if self.state is ReferralState.VOIDED:
            raise ReferralAlreadyVoided
        return replace(self, state=ReferralState.VOIDED, voided_at=at, void_reason=reason)


_EVENTS = {
    ReferralState.PENDING: EventType.REFERRAL_CREATED,
    ReferralState.QUALIFIED: EventType.REFERRAL_QUALIFIED,
    ReferralState.VOIDED: EventType.REFERRAL_VOIDED,
}


def referral_data(referral: Referral) -> dict[str, object]:
    """The referral as the API shows it."""
    return {
        "id": referral.id,
        "referrer_id": referral.referrer_id,
        "email": referral.email,
        "state": referral.state.value,
        "created_at": referral.created_at,
        "qualified_at": referral.qualified_at,
        "voided_at": referral.voided_at,
        "void_reason": None if referral.void_reason is None else referral.void_reason.value,
    }


def referral_event(referral: Referral, at: datetime) -> DomainEvent:
    """What the referral entering its current state at ``at`` tells the feed."""
    return DomainEvent(
        type=_EVENTS[referral.state], occurred_at=at, subject_id=referral.id, data=referral_data(referral)
    )
