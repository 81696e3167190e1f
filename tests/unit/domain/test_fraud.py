"""The fraud rules as pure functions: which signals flag a referral, and what refuses one outright."""

from datetime import UTC, datetime, timedelta

import pytest

from referrals.domain.errors import SelfReferral
from referrals.domain.events import EventType
from referrals.domain.fraud import RegistrationSignals, check_not_self_referral, referral_flags
from referrals.domain.ids import new_id
from referrals.domain.mailboxes import mailbox_key
from referrals.domain.programme_errors import ReferralFlagged, ReferralNotFlagged
from referrals.domain.referral import FlagReason, ReferralFlag, ReferralState, new_referral, referral_event

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
VELOCITY = 20


def reasons(signals: RegistrationSignals) -> list[FlagReason]:
    return [flag.reason for flag in referral_flags(signals, VELOCITY, NOW)]


def test_a_registration_without_any_signal_raises_no_flag() -> None:
    assert referral_flags(RegistrationSignals(), VELOCITY, NOW) == ()


def test_the_referrer_seen_from_the_same_client_flags_and_says_how_long_ago() -> None:
    (flag,) = referral_flags(RegistrationSignals(referrer_seen_from_client_at=NOW - timedelta(minutes=7)), 20, NOW)

    assert (flag.reason, flag.detected_at) == (FlagReason.SAME_CLIENT, NOW)
    assert "7 min" in flag.detail


@pytest.mark.parametrize(("earlier", "flagged"), [(0, False), (VELOCITY - 1, False), (VELOCITY, True), (99, True)])
def test_velocity_flags_only_the_registrations_past_the_hourly_limit(earlier: int, flagged: bool) -> None:
    assert reasons(RegistrationSignals(earlier_registrations_on_code=earlier)) == (
        [FlagReason.VELOCITY] if flagged else []
    )


def test_a_velocity_of_zero_is_off() -> None:
    assert referral_flags(RegistrationSignals(earlier_registrations_on_code=10_000), 0, NOW) == ()


def test_an_existing_account_on_the_mailbox_and_a_throwaway_domain_each_flag() -> None:
    flags = referral_flags(RegistrationSignals(accounts_on_mailbox=2, disposable_domain="mailinator.com"), 20, NOW)

    assert [flag.reason for flag in flags] == [FlagReason.DUPLICATE_MAILBOX, FlagReason.DISPOSABLE_EMAIL]
    assert "mailinator.com" in flags[1].detail


@pytest.mark.parametrize(
    ("referee", "referrer"),
    [
        ("ada@example.com", "ada@example.com"),
        ("a.d.a+x@googlemail.com", "ada@gmail.com"),
        ("ada+x@icloud.com", "ada@icloud.com"),
        ("ada-x@yahoo.com", "ada@yahoo.com"),
    ],
)
def test_the_referrers_own_mailbox_is_refused(referee: str, referrer: str) -> None:
    with pytest.raises(SelfReferral):
        check_not_self_referral(referee, referrer)


@pytest.mark.parametrize(
    ("referee", "referrer"),
    [
        ("ada+x@example.com", "ada@example.com"),
        ("a.da@outlook.com", "ada@outlook.com"),
        ("ada@gmail.com", "bob@gmail.com"),
    ],
)
def test_what_a_provider_may_deliver_elsewhere_is_not_a_self_referral(referee: str, referrer: str) -> None:
    check_not_self_referral(referee, referrer)  # raises for a self-referral

    assert mailbox_key(referee) != mailbox_key(referrer)


def flagged() -> "ReferralFlag":
    return ReferralFlag(FlagReason.VELOCITY, NOW, "Registration 21 on this code within an hour.")


def test_a_referral_with_flags_is_born_flagged_and_approval_clears_them_but_keeps_the_evidence() -> None:
    referral = new_referral(new_id(), new_id(), "grace@example.org", NOW, [flagged()])
    approved = referral.approved(NOW + timedelta(hours=2))

    assert referral.state is ReferralState.FLAGGED
    assert referral.open_flags == (flagged(),)
    assert approved.state is ReferralState.PENDING
    assert approved.open_flags == ()
    assert approved.flags == (flagged(),)
    assert referral_event(approved, NOW).type is EventType.REFERRAL_APPROVED
    assert referral_event(referral, NOW).type is EventType.REFERRAL_FLAGGED


def test_only_a_flagged_referral_is_approved_and_a_flagged_one_does_not_qualify() -> None:
    pending = new_referral(new_id(), new_id(), "grace@example.org", NOW, [])
    held = new_referral(new_id(), new_id(), "grace@example.org", NOW, [flagged()])

    with pytest.raises(ReferralNotFlagged):
        pending.approved(NOW)
    with pytest.raises(ReferralFlagged):
        held.qualified(NOW)


def test_a_flagged_referral_holds_its_first_qualifying_conversion_only() -> None:
    held = new_referral(new_id(), new_id(), "grace@example.org", NOW, [flagged()]).holding("order-1")

    assert held.holding("order-2").held_conversion_id == "order-1"
    assert new_referral(new_id(), new_id(), "g@example.org", NOW, []).holding("order-1").held_conversion_id is None
