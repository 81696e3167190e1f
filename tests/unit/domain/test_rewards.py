"""Rewards: held, available from the end of the hold, then redeemed or voided; and what the feed is told."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from referrals.domain.errors import DomainError
from referrals.domain.events import EventType
from referrals.domain.ids import new_id
from referrals.domain.programme_errors import RewardNotAvailable, RewardNotVoidable
from referrals.domain.reward import Reward, RewardRole, RewardState, reward_data, reward_event

CREATED_AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
AVAILABLE_AT = CREATED_AT + timedelta(days=14)
MICROSECOND = timedelta(microseconds=1)
TOKYO = timezone(timedelta(hours=9))
API_FIELDS = {
    "id",
    "referral_id",
    "user_id",
    "role",
    "amount",
    "currency",
    "state",
    "created_at",
    "available_at",
    "redeemed_at",
    "voided_at",
    "program_version",
}


def reward(state: RewardState = RewardState.PENDING, role: RewardRole = RewardRole.REFERRER) -> Reward:
    return Reward(
        id=new_id(),
        referral_id=new_id(),
        user_id=new_id(),
        role=role,
        amount=500,
        currency="USD",
        state=state,
        created_at=CREATED_AT,
        available_at=AVAILABLE_AT,
        program_version=3,
        conversion_id="order-1",
    )


# --- As of an instant ---


@pytest.mark.parametrize(
    "now", [CREATED_AT, AVAILABLE_AT - timedelta(days=1), AVAILABLE_AT - MICROSECOND], ids=["created", "1d", "1us"]
)
def test_a_pending_reward_is_pending_before_its_hold_ends(now: datetime) -> None:
    held = reward()

    assert held.as_of(now) == held


@pytest.mark.parametrize(
    "now", [AVAILABLE_AT, AVAILABLE_AT + MICROSECOND, AVAILABLE_AT + timedelta(days=365)], ids=["at", "1us", "year"]
)
def test_a_pending_reward_is_available_from_the_instant_its_hold_ends(now: datetime) -> None:
    held = reward()

    shown = held.as_of(now)

    assert shown.state is RewardState.AVAILABLE
    assert shown.available_at == AVAILABLE_AT
    assert shown.redeemed_at is None
    assert shown.voided_at is None
    assert held.state is RewardState.PENDING


def test_the_end_of_the_hold_compares_instants_across_offsets() -> None:
    held = reward()

    assert held.as_of(AVAILABLE_AT.astimezone(TOKYO)).state is RewardState.AVAILABLE
    assert held.as_of((AVAILABLE_AT - MICROSECOND).astimezone(TOKYO)).state is RewardState.PENDING


@pytest.mark.parametrize("state", [RewardState.AVAILABLE, RewardState.REDEEMED, RewardState.VOIDED])
@pytest.mark.parametrize("now", [CREATED_AT, AVAILABLE_AT - MICROSECOND, AVAILABLE_AT, AVAILABLE_AT + MICROSECOND])
def test_a_reward_in_any_other_state_is_unchanged_whenever_it_is_read(state: RewardState, now: datetime) -> None:
    settled = reward(state)

    assert settled.as_of(now) == settled


# --- Redeeming ---


@pytest.mark.parametrize("at", [AVAILABLE_AT, AVAILABLE_AT + timedelta(days=3)], ids=["at-end-of-hold", "later"])
def test_a_pending_reward_past_its_hold_can_be_redeemed(at: datetime) -> None:
    redeemed = reward().redeemed(at)

    assert redeemed.state is RewardState.REDEEMED
    assert redeemed.redeemed_at == at
    assert redeemed.voided_at is None


def test_a_stored_available_reward_can_be_redeemed() -> None:
    at = AVAILABLE_AT + timedelta(days=1)

    redeemed = reward(RewardState.AVAILABLE).redeemed(at)

    assert redeemed.state is RewardState.REDEEMED
    assert redeemed.redeemed_at == at


@pytest.mark.parametrize("at", [CREATED_AT, AVAILABLE_AT - MICROSECOND], ids=["at-creation", "1us-before-end"])
def test_a_reward_still_on_hold_cannot_be_redeemed(at: datetime) -> None:
    with pytest.raises(RewardNotAvailable):
        reward().redeemed(at)


@pytest.mark.parametrize("state", [RewardState.REDEEMED, RewardState.VOIDED])
def test_a_redeemed_or_voided_reward_cannot_be_redeemed(state: RewardState) -> None:
    with pytest.raises(RewardNotAvailable):
        reward(state).redeemed(AVAILABLE_AT + timedelta(days=1))


def test_redeeming_twice_is_refused() -> None:
    redeemed = reward().redeemed(AVAILABLE_AT)

    with pytest.raises(RewardNotAvailable):
        redeemed.redeemed(AVAILABLE_AT + timedelta(days=1))


def test_redeeming_keeps_everything_but_the_state_and_its_instant() -> None:
    held = reward()

    redeemed = held.redeemed(AVAILABLE_AT)

    assert redeemed == Reward(
        id=held.id,
        referral_id=held.referral_id,
        user_id=held.user_id,
        role=held.role,
        amount=500,
        currency="USD",
        state=RewardState.REDEEMED,
        created_at=CREATED_AT,
        available_at=AVAILABLE_AT,
        program_version=3,
        conversion_id="order-1",
        redeemed_at=AVAILABLE_AT,
    )


# --- Voiding ---


@pytest.mark.parametrize("state", [RewardState.PENDING, RewardState.AVAILABLE])
@pytest.mark.parametrize("at", [CREATED_AT, AVAILABLE_AT + timedelta(days=1)], ids=["on-hold", "past-hold"])
def test_a_pending_or_available_reward_can_be_voided(state: RewardState, at: datetime) -> None:
    voided = reward(state).voided(at)

    assert voided.state is RewardState.VOIDED
    assert voided.voided_at == at
    assert voided.redeemed_at is None


@pytest.mark.parametrize("state", [RewardState.REDEEMED, RewardState.VOIDED])
def test_a_redeemed_or_voided_reward_cannot_be_voided(state: RewardState) -> None:
    with pytest.raises(RewardNotVoidable):
        reward(state).voided(AVAILABLE_AT + timedelta(days=1))


def test_a_reward_redeemed_from_its_hold_cannot_then_be_voided() -> None:
    redeemed = reward().redeemed(AVAILABLE_AT)

    with pytest.raises(RewardNotVoidable):
        redeemed.voided(AVAILABLE_AT + timedelta(days=1))


def test_a_voided_reward_cannot_then_be_redeemed() -> None:
    voided = reward().voided(CREATED_AT + timedelta(days=1))

    with pytest.raises(RewardNotAvailable):
        voided.redeemed(AVAILABLE_AT + timedelta(days=1))


def test_the_refusals_are_domain_errors_with_stable_codes() -> None:
    assert issubclass(RewardNotAvailable, DomainError)
    assert issubclass(RewardNotVoidable, DomainError)
    assert RewardNotAvailable.code == "reward-not-available"
    assert RewardNotVoidable.code == "reward-not-voidable"


def test_the_states_and_roles_have_stable_stored_values() -> None:
    assert {state.value for state in RewardState} == {"pending", "available", "redeemed", "voided"}
    assert {role.value for role in RewardRole} == {"referrer", "referee"}


# --- Events ---


@pytest.mark.parametrize("state", list(RewardState))
def test_a_created_reward_tells_the_feed_reward_created_whatever_its_state(state: RewardState) -> None:
    assert reward_event(reward(state), CREATED_AT, created=True).type is EventType.REWARD_CREATED


@pytest.mark.parametrize(
    ("state", "event_type"),
    [
        (RewardState.PENDING, EventType.REWARD_CREATED),
        (RewardState.AVAILABLE, EventType.REWARD_AVAILABLE),
        (RewardState.REDEEMED, EventType.REWARD_REDEEMED),
        (RewardState.VOIDED, EventType.REWARD_VOIDED),
    ],
)
def test_otherwise_the_event_is_chosen_by_the_state_the_reward_entered(
    state: RewardState, event_type: EventType
) -> None:
    settled = reward(state)

    event = reward_event(settled, AVAILABLE_AT)

    assert event.type is event_type
    assert event.occurred_at == AVAILABLE_AT
    assert event.subject_id == settled.id


@pytest.mark.parametrize("state", list(RewardState))
@pytest.mark.parametrize("created", [True, False])
def test_the_event_data_has_exactly_the_api_fields_and_not_the_conversion(state: RewardState, created: bool) -> None:
    data = reward_event(reward(state), CREATED_AT, created=created).data

    assert set(data) == API_FIELDS
    assert "conversion_id" not in data
    assert set(reward_data(reward(state))) == API_FIELDS


def test_the_event_data_is_the_reward_in_plain_values() -> None:
    redeemed = reward(role=RewardRole.REFEREE).redeemed(AVAILABLE_AT)

    data = reward_event(redeemed, AVAILABLE_AT).data

    assert data == {
        "id": redeemed.id,
        "referral_id": redeemed.referral_id,
        "user_id": redeemed.user_id,
        "role": "referee",
        "amount": 500,
        "currency": "USD",
        "state": "redeemed",
        "created_at": CREATED_AT,
        "available_at": AVAILABLE_AT,
        "redeemed_at": AVAILABLE_AT,
        "voided_at": None,
        "program_version": 3,
    }
    assert type(data["role"]) is str
    assert type(data["state"]) is str
