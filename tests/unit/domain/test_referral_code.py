"""Expiry bounds, activity at an instant, and the one-active-code rule. No I/O, no event loop."""

from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest

from referrals.domain.errors import ActiveCodeExists, ExpiryNotInFuture, ExpiryTooFar
from referrals.domain.ids import new_id
from referrals.domain.referral_code import (
    DEFAULT_MAX_CODE_LIFETIME,
    CodeState,
    ReferralCode,
    check_expiry,
    must_retire_before_issuing,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
MICROSECOND = timedelta(microseconds=1)
TOKYO = timezone(timedelta(hours=9))
NEW_YORK = timezone(timedelta(hours=-5))


class Undecided(tzinfo):
    """A time zone that does not know its offset: the datetime is aware in form but naive in fact."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None


def accepts(expires_at: datetime, now: datetime = NOW, max_lifetime: timedelta = YEAR) -> bool:
    """Whether ``check_expiry`` lets the expiry through; any refusal other than the two expiry errors escapes."""
    try:
        check_expiry(expires_at, now, max_lifetime)
    except (ExpiryNotInFuture, ExpiryTooFar):
        return False
    return True


def code(expires_at: datetime = NOW + timedelta(hours=1), state: CodeState = CodeState.ACTIVE) -> ReferralCode:
    return ReferralCode(new_id(), new_id(), "ABCDEFGHJKMNP", NOW - timedelta(hours=1), expires_at, state)


def test_the_default_maximum_lifetime_is_a_year() -> None:
    assert DEFAULT_MAX_CODE_LIFETIME == YEAR


@pytest.mark.parametrize(
    "expires_at",
    [NOW + MICROSECOND, NOW + timedelta(seconds=1), NOW + timedelta(days=30), NOW + YEAR - MICROSECOND, NOW + YEAR],
    ids=["1us", "1s", "30d", "year-1us", "exactly-a-year"],
)
def test_an_expiry_within_bounds_is_accepted(expires_at: datetime) -> None:
    assert accepts(expires_at)


@pytest.mark.parametrize(
    "expires_at", [NOW, NOW - MICROSECOND, NOW - YEAR], ids=["equal-to-now", "1us-ago", "a-year-ago"]
)
def test_an_expiry_not_strictly_in_the_future_is_refused(expires_at: datetime) -> None:
    with pytest.raises(ExpiryNotInFuture):
        check_expiry(expires_at, NOW, YEAR)


def test_an_expiry_one_microsecond_past_the_maximum_lifetime_is_refused_and_says_the_limit() -> None:
    with pytest.raises(ExpiryTooFar, match="at most 365 days"):
        check_expiry(NOW + YEAR + MICROSECOND, NOW, YEAR)


@pytest.mark.parametrize(("lifetime", "said"), [(timedelta(days=7), "7 days"), (timedelta(hours=36), "1.5 days")])
def test_the_maximum_lifetime_is_a_parameter(lifetime: timedelta, said: str) -> None:
    assert accepts(NOW + lifetime, max_lifetime=lifetime)
    with pytest.raises(ExpiryTooFar, match=said):
        check_expiry(NOW + lifetime + MICROSECOND, NOW, lifetime)


def test_a_naive_expiry_is_refused() -> None:
    with pytest.raises(ExpiryNotInFuture, match="time zone"):
        check_expiry(datetime(2030, 1, 1), NOW, YEAR)  # noqa: DTZ001


def test_an_expiry_whose_zone_has_no_offset_is_refused_like_a_naive_one() -> None:
    with pytest.raises(ExpiryNotInFuture, match="time zone"):
        check_expiry(datetime(2026, 12, 1, tzinfo=Undecided()), NOW, YEAR)


def test_offsets_are_compared_as_instants() -> None:
    # 20:00 in Tokyo is 11:00 UTC: an hour before NOW, though its wall clock reads later.
    with pytest.raises(ExpiryNotInFuture):
        check_expiry(datetime(2026, 11, 22, 20, 0, tzinfo=TOKYO), NOW, YEAR)
    # 21:00 in Tokyo is exactly NOW: not in the future.
    with pytest.raises(ExpiryNotInFuture):
        check_expiry(datetime(2026, 11, 22, 21, 0, tzinfo=TOKYO), NOW, YEAR)
    assert accepts(datetime(2026, 11, 22, 21, 0, 0, 1, tzinfo=TOKYO))
    # 08:00 in New York is 13:00 UTC: an hour after NOW, though its wall clock reads earlier.
    assert accepts(datetime(2026, 11, 22, 8, 0, tzinfo=NEW_YORK))


def test_the_upper_bound_is_measured_between_instants_too() -> None:
    in_a_year = (NOW + YEAR).astimezone(TOKYO)

    assert accepts(in_a_year)
    with pytest.raises(ExpiryTooFar):
        check_expiry(in_a_year + MICROSECOND, NOW, YEAR)


def test_now_may_carry_any_offset() -> None:
    now_in_new_york = NOW.astimezone(NEW_YORK)

    assert accepts(NOW + MICROSECOND, now=now_in_new_york)
    with pytest.raises(ExpiryNotInFuture):
        check_expiry(NOW, now_in_new_york, YEAR)


def test_an_active_code_is_live_until_the_instant_it_expires() -> None:
    live = code(expires_at=NOW)

    assert live.is_active(NOW - timedelta(days=1))
    assert live.is_active(NOW - MICROSECOND)
    assert not live.is_active(NOW)
    assert not live.is_active(NOW + MICROSECOND)


@pytest.mark.parametrize("state", [CodeState.DELETED, CodeState.EXPIRED])
@pytest.mark.parametrize("offset", [-timedelta(days=1), -MICROSECOND, timedelta(0), MICROSECOND])
def test_an_ended_code_is_never_active(state: CodeState, offset: timedelta) -> None:
    assert not code(expires_at=NOW, state=state).is_active(NOW + offset)


def test_activity_compares_instants_across_offsets() -> None:
    live = code(expires_at=NOW)

    assert live.is_active((NOW - MICROSECOND).astimezone(TOKYO))
    assert not live.is_active(NOW.astimezone(NEW_YORK))


def test_the_states_have_stable_stored_values() -> None:
    assert {state.value for state in CodeState} == {"active", "deleted", "expired", "spent"}
    assert code().state is CodeState.ACTIVE


def test_with_no_current_code_there_is_nothing_to_retire() -> None:
    assert must_retire_before_issuing(None, NOW) is False


@pytest.mark.parametrize("left", [MICROSECOND, timedelta(days=300)])
def test_a_live_code_blocks_the_next(left: timedelta) -> None:
    with pytest.raises(ActiveCodeExists):
        must_retire_before_issuing(code(expires_at=NOW + left), NOW)


@pytest.mark.parametrize("ago", [timedelta(0), MICROSECOND, timedelta(days=300)])
def test_a_stored_active_but_expired_code_must_be_retired_first(ago: timedelta) -> None:
    assert must_retire_before_issuing(code(expires_at=NOW - ago), NOW) is True


@pytest.mark.parametrize("state", [CodeState.DELETED, CodeState.EXPIRED])
@pytest.mark.parametrize("expires_in", [-timedelta(days=1), timedelta(days=1)])
def test_an_ended_code_needs_no_retiring_and_blocks_nothing(state: CodeState, expires_in: timedelta) -> None:
    assert must_retire_before_issuing(code(expires_at=NOW + expires_in, state=state), NOW) is False
