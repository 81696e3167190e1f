"""Expiry bounds, activity at an instant, and the one-active-code rule. No I/O, no event loop."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from referrals.domain.errors import ActiveCodeExists, ExpiryNotInFuture, ExpiryTooFar
from referrals.domain.ids import new_id
from referrals.domain.referral_code import CodeState, ReferralCode, check_expiry, must_retire_before_issuing

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
MICROSECOND = timedelta(microseconds=1)


def code(expires_at: datetime = NOW + timedelta(hours=1), state: CodeState = CodeState.ACTIVE) -> ReferralCode:
    return ReferralCode(new_id(), new_id(), "ABCDEFGHJKMNP", NOW - timedelta(hours=1), expires_at, state)


@pytest.mark.parametrize("expires_at", [NOW + MICROSECOND, NOW + timedelta(seconds=1), NOW + YEAR])
def test_an_expiry_within_bounds_is_accepted(expires_at: datetime) -> None:
    check_expiry(expires_at, NOW, YEAR)


@pytest.mark.parametrize("expires_at", [NOW, NOW - MICROSECOND, NOW - YEAR])
def test_an_expiry_not_strictly_in_the_future_is_refused(expires_at: datetime) -> None:
    with pytest.raises(ExpiryNotInFuture):
        check_expiry(expires_at, NOW, YEAR)


def test_an_expiry_past_the_maximum_lifetime_is_refused_and_says_the_limit() -> None:
    with pytest.raises(ExpiryTooFar, match="365 days"):
        check_expiry(NOW + YEAR + MICROSECOND, NOW, YEAR)


def test_the_maximum_lifetime_is_a_parameter() -> None:
    with pytest.raises(ExpiryTooFar):
        check_expiry(NOW + timedelta(days=8), NOW, timedelta(days=7))


def test_a_naive_expiry_is_refused() -> None:
    with pytest.raises(ExpiryNotInFuture, match="time zone"):
        check_expiry(datetime(2030, 1, 1), NOW, YEAR)  # noqa: DTZ001


def test_offsets_are_compared_as_instants() -> None:
    tokyo = timezone(timedelta(hours=9))
    # 20:00 in Tokyo is 11:00 UTC: an hour before NOW, though its wall clock reads later.
    with pytest.raises(ExpiryNotInFuture):
        check_expiry(datetime(2026, 11, 22, 20, 0, tzinfo=tokyo), NOW, YEAR)
    check_expiry(datetime(2026, 11, 22, 22, 0, tzinfo=tokyo), NOW, YEAR)


def test_a_code_is_active_until_the_instant_it_expires() -> None:
    live = code(expires_at=NOW)

    assert live.is_active(NOW - MICROSECOND)
    assert not live.is_active(NOW)
    assert not live.is_active(NOW + MICROSECOND)


@pytest.mark.parametrize("state", [CodeState.DELETED, CodeState.EXPIRED])
def test_an_ended_code_is_never_active(state: CodeState) -> None:
    assert not code(state=state).is_active(NOW - timedelta(days=1))


def test_with_no_current_code_there_is_nothing_to_retire() -> None:
    assert must_retire_before_issuing(None, NOW) is False


def test_a_live_code_blocks_the_next() -> None:
    with pytest.raises(ActiveCodeExists):
        must_retire_before_issuing(code(), NOW)


def test_a_stored_active_but_expired_code_must_be_retired_first() -> None:
    assert must_retire_before_issuing(code(expires_at=NOW), NOW) is True


@pytest.mark.parametrize("state", [CodeState.DELETED, CodeState.EXPIRED])
def test_an_ended_code_needs_no_retiring(state: CodeState) -> None:
    assert must_retire_before_issuing(code(state=state), NOW) is False
