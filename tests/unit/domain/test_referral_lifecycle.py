"""A referral's lifecycle: pending, qualified, voided; and what each step tells the feed."""

from datetime import UTC, datetime, timedelta

import pytest

from referrals.domain.errors import DomainError
from referrals.domain.events import EventType
from referrals.domain.ids import new_id
from referrals.domain.programme_errors import ReferralAlreadyVoided
from referrals.domain.referral import Referral, ReferralState, VoidReason, referral_data, referral_event

CREATED_AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
QUALIFIED_AT = CREATED_AT + timedelta(days=3)
VOIDED_AT = CREATED_AT + timedelta(days=5)
API_FIELDS = {
    "id",
    "referrer_id",
    "email",
    "state",
    "created_at",
    "qualified_at",
    "voided_at",
    "void_reason",
    "flags",
    "evidence",
    "approved_at",
    "held_conversion_id",
}


def pending() -> Referral:
    return Referral(new_id(), new_id(), "newcomer@example.com", ReferralState.PENDING, CREATED_AT)


def test_a_new_referral_is_pending_with_no_later_instants() -> None:
    referral = pending()

    assert referral.state is ReferralState.PENDING
    assert referral.qualified_at is None
    assert referral.voided_at is None
    assert referral.void_reason is None


def test_qualifying_records_the_state_and_the_instant_and_keeps_the_rest() -> None:
    referral = pending()

    qualified = referral.qualified(QUALIFIED_AT)

    assert qualified.state is ReferralState.QUALIFIED
    assert qualified.qualified_at == QUALIFIED_AT
    assert (qualified.id, qualified.referrer_id, qualified.email, qualified.created_at) == (
        referral.id,
        referral.referrer_id,
        referral.email,
        referral.created_at,
    )
    assert qualified.voided_at is None
    assert qualified.void_reason is None


def test_qualifying_returns_a_new_referral_and_leaves_the_old_one_pending() -> None:
    referral = pending()

    referral.qualified(QUALIFIED_AT)

    assert referral.state is ReferralState.PENDING
    assert referral.qualified_at is None


@pytest.mark.parametrize("reason", list(VoidReason))
def test_a_pending_referral_can_be_voided_for_any_reason(reason: VoidReason) -> None:
    voided = pending().voided(reason, VOIDED_AT)

    assert voided.state is ReferralState.VOIDED
    assert voided.voided_at == VOIDED_AT
    assert voided.void_reason is reason
    assert voided.qualified_at is None


def test_a_qualified_referral_can_be_voided_and_keeps_when_it_qualified() -> None:
    voided = pending().qualified(QUALIFIED_AT).voided(VoidReason.REFUND, VOIDED_AT)

    assert voided.state is ReferralState.VOIDED
    assert voided.qualified_at == QUALIFIED_AT
    assert voided.voided_at == VOIDED_AT
    assert voided.void_reason is VoidReason.REFUND


@pytest.mark.parametrize("again", list(VoidReason))
def test_voiding_twice_is_refused_whatever_the_reason(again: VoidReason) -> None:
    voided = pending().voided(VoidReason.FRAUD, VOIDED_AT)

    with pytest.raises(ReferralAlreadyVoided):
        voided.voided(again, VOIDED_AT + timedelta(days=1))


def test_an_already_voided_refusal_is_a_domain_error_with_a_stable_code() -> None:
    assert issubclass(ReferralAlreadyVoided, DomainError)
    assert ReferralAlreadyVoided.code == "referral-voided"


def test_the_states_and_reasons_have_stable_stored_values() -> None:
    assert {state.value for state in ReferralState} == {"pending", "flagged", "qualified", "voided"}
    assert {reason.value for reason in VoidReason} == {"fraud", "refund", "duplicate", "other"}


@pytest.mark.parametrize(
    ("referral", "event_type"),
    [
        (pending(), EventType.REFERRAL_CREATED),
        (pending().qualified(QUALIFIED_AT), EventType.REFERRAL_QUALIFIED),
        (pending().voided(VoidReason.DUPLICATE, VOIDED_AT), EventType.REFERRAL_VOIDED),
        (pending().qualified(QUALIFIED_AT).voided(VoidReason.REFUND, VOIDED_AT), EventType.REFERRAL_VOIDED),
    ],
    ids=["pending", "qualified", "voided", "qualified-then-voided"],
)
def test_the_event_is_chosen_by_the_state_the_referral_entered(referral: Referral, event_type: EventType) -> None:
    event = referral_event(referral, VOIDED_AT)

    assert event.type is event_type
    assert event.occurred_at == VOIDED_AT
    assert event.subject_id == referral.id


@pytest.mark.parametrize(
    "referral",
    [pending(), pending().qualified(QUALIFIED_AT), pending().voided(VoidReason.OTHER, VOIDED_AT)],
    ids=["pending", "qualified", "voided"],
)
def test_the_event_data_has_exactly_the_api_fields(referral: Referral) -> None:
    assert set(referral_event(referral, CREATED_AT).data) == API_FIELDS
    assert set(referral_data(referral)) == API_FIELDS


def test_the_event_data_of_a_pending_referral_is_its_plain_values() -> None:
    referral = pending()

    assert referral_event(referral, CREATED_AT).data == {
        "id": referral.id,
        "referrer_id": referral.referrer_id,
        "email": "newcomer@example.com",
        "state": "pending",
        "created_at": CREATED_AT,
        "qualified_at": None,
        "voided_at": None,
        "void_reason": None,
        "flags": [],
        "evidence": [],
        "approved_at": None,
        "held_conversion_id": None,
    }


def test_the_event_data_of_a_voided_referral_carries_the_reason_as_its_stored_value() -> None:
    referral = pending().qualified(QUALIFIED_AT).voided(VoidReason.FRAUD, VOIDED_AT)

    data = referral_event(referral, VOIDED_AT).data

    assert data["state"] == "voided"
    assert type(data["state"]) is str
    assert data["void_reason"] == "fraud"
    assert type(data["void_reason"]) is str
    assert data["qualified_at"] == QUALIFIED_AT
    assert data["voided_at"] == VOIDED_AT


def test_the_event_data_is_the_referral_at_the_moment_of_the_event() -> None:
    referral = pending()
    created = referral_event(referral, CREATED_AT)

    referral_event(referral.qualified(QUALIFIED_AT), QUALIFIED_AT)

    assert created.data["state"] == "pending"
    assert created.data["qualified_at"] is None
