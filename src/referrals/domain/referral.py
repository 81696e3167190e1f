"""A referral: a newcomer who registered with a referrer's code, and where that stands."""

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from referrals.domain.events import DomainEvent, EventType
from referrals.domain.programme_errors import (
    InvalidVoidNote,
    ReferralAlreadyVoided,
    ReferralFlagged,
    ReferralNotFlagged,
)

MAX_VOID_NOTE_LENGTH = 500


class ReferralState(enum.StrEnum):
    PENDING = "pending"
    # Held for the operator's review: it earns nothing until approved (see domain/fraud.py for why one is).
    FLAGGED = "flagged"
    QUALIFIED = "qualified"
    VOIDED = "voided"


class FlagReason(enum.StrEnum):
    SAME_CLIENT = "same_client"
    VELOCITY = "velocity"
    DUPLICATE_MAILBOX = "duplicate_mailbox"
    DISPOSABLE_EMAIL = "disposable_email"


@dataclass(frozen=True, slots=True)
class ReferralFlag:
    """Why a referral was held for review: the rule, when it fired, and its evidence in words (never an address)."""

    reason: FlagReason
    detected_at: datetime
    detail: str


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
    # Every flag ever raised, kept as the evidence of the review; ``open_flags`` are the ones still standing.
    flags: tuple[ReferralFlag, ...] = ()
    approved_at: datetime | None = None
    # The first conversion that would have qualified it while it was flagged, honoured if it is approved.
    held_conversion_id: str | None = None

    @property
    def open_flags(self) -> tuple[ReferralFlag, ...]:
        return () if self.approved_at is not None else self.flags

    def qualified(self, at: datetime) -> "Referral":
        if self.state is ReferralState.VOIDED:
            raise ReferralAlreadyVoided
        if self.state is ReferralState.FLAGGED:
            raise ReferralFlagged
        if self.state is ReferralState.QUALIFIED:
            return self
        return replace(self, state=ReferralState.QUALIFIED, qualified_at=at)

    def approved(self, at: datetime) -> "Referral":
        """Cleared by the operator: pending again, its flags kept as evidence but no longer standing."""
        if self.state is not ReferralState.FLAGGED:
            raise ReferralNotFlagged
        return replace(self, state=ReferralState.PENDING, approved_at=at)

    def holding(self, conversion_id: str) -> "Referral":
        """Remember the first qualifying conversion that arrived while it was flagged; later ones change nothing."""
        if self.state is not ReferralState.FLAGGED or self.held_conversion_id is not None:
            return self
        return replace(self, held_conversion_id=conversion_id)

    def as_the_referrer_sees_it(self) -> "Referral":
        """Its state, without the review's evidence: why a referral is held is the operator's to know (it speaks
        of the referee's other accounts, and would teach a fraudster which rule caught them)."""
        return replace(self, flags=(), held_conversion_id=None)

    def voided(self, reason: VoidReason, at: datetime) -> "Referral":
        if self.state is ReferralState.VOIDED:
            raise ReferralAlreadyVoided
        return replace(self, state=ReferralState.VOIDED, voided_at=at, void_reason=reason)


def new_referral(
    referee_id: UUID, referrer_id: UUID, email: str, at: datetime, flags: Sequence[ReferralFlag]
) -> Referral:
    """A newcomer's referral: pending, or flagged for review when any fraud signal fired."""
    return Referral(
        id=referee_id,
        referrer_id=referrer_id,
        email=email,
        state=ReferralState.FLAGGED if flags else ReferralState.PENDING,
        created_at=at,
        flags=tuple(flags),
    )


_EVENTS = {
    ReferralState.PENDING: EventType.REFERRAL_CREATED,
    ReferralState.FLAGGED: EventType.REFERRAL_FLAGGED,
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
        "flags": [flag.reason.value for flag in referral.open_flags],
        "evidence": [
            {"reason": flag.reason.value, "detected_at": flag.detected_at, "detail": flag.detail}
            for flag in referral.flags
        ],
        "approved_at": referral.approved_at,
        "held_conversion_id": referral.held_conversion_id,
    }


def referral_event(referral: Referral, at: datetime) -> DomainEvent:
    """What the referral entering its current state at ``at`` tells the feed."""
    event_type = _EVENTS[referral.state]
    if referral.state is ReferralState.PENDING and referral.approved_at is not None:
        event_type = EventType.REFERRAL_APPROVED
    return DomainEvent(type=event_type, occurred_at=at, subject_id=referral.id, data=referral_data(referral))


def creation_events(referral: Referral) -> list[DomainEvent]:
    """A new referral is created, and a flagged one is flagged too: feeds that count referrals see every one."""
    created = DomainEvent(
        type=EventType.REFERRAL_CREATED,
        occurred_at=referral.created_at,
        subject_id=referral.id,
        data=referral_data(referral),
    )
    if referral.state is not ReferralState.FLAGGED:
        return [created]
    return [created, referral_event(referral, referral.created_at)]


def event_instant(referral: Referral) -> datetime:
    """When the referral entered its current state."""
    instants = {
        ReferralState.PENDING: referral.approved_at,
        ReferralState.QUALIFIED: referral.qualified_at,
        ReferralState.VOIDED: referral.voided_at,
    }
    return instants.get(referral.state) or referral.created_at
