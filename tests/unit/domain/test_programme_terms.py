"""The programme's terms: reward rules and what they grant, what qualifies a referral, and the unset programme."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from referrals.domain.money import MAX_AMOUNT, Money
from referrals.domain.programme import (
    DEFAULT_ATTRIBUTION_WINDOW,
    DEFAULT_HOLD,
    DEFAULT_QUALIFYING_EVENT,
    MAX_BASIS_POINTS,
    UNSET_PROGRAMME,
    FlatReward,
    ProgrammeTerms,
    ShareReward,
)
from referrals.domain.programme_errors import InvalidCurrency, InvalidRewardRule

REFERRED_AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
WINDOW = timedelta(days=30)
TOKYO = timezone(timedelta(hours=9))


def terms(min_amount: Money | None = None, event: str = "purchase", window: timedelta = WINDOW) -> ProgrammeTerms:
    return ProgrammeTerms(qualifying_event=event, attribution_window=window, min_amount=min_amount)


# --- Flat rewards ---


@pytest.mark.parametrize("amount", [1, 500, MAX_AMOUNT])
def test_a_flat_reward_of_a_positive_amount_is_accepted(amount: int) -> None:
    assert FlatReward(amount, "USD").amount == amount


@pytest.mark.parametrize("amount", [0, -1, -500, MAX_AMOUNT + 1])
def test_a_flat_reward_must_be_a_positive_amount_json_holds_exactly(amount: int) -> None:
    with pytest.raises(InvalidRewardRule):
        FlatReward(amount, "USD")


@pytest.mark.parametrize("currency", ["usd", "US", "$"])
def test_a_flat_reward_must_be_in_a_currency(currency: str) -> None:
    with pytest.raises(InvalidCurrency):
        FlatReward(500, currency)


@pytest.mark.parametrize(
    "converted",
    [None, Money(10_000, "USD"), Money(1, "USD"), Money(0, "USD"), Money(10_000, "EUR")],
    ids=["no-amount", "large", "tiny", "zero", "other-currency"],
)
def test_a_flat_reward_is_the_same_whatever_the_conversion_amount(converted: Money | None) -> None:
    assert FlatReward(500, "USD").earned_on(converted) == Money(500, "USD")


# --- Share rewards ---


@pytest.mark.parametrize("basis_points", [1, 250, MAX_BASIS_POINTS])
def test_a_share_of_1_to_10000_basis_points_is_accepted(basis_points: int) -> None:
    assert ShareReward(basis_points, "USD").basis_points == basis_points


def test_a_whole_share_is_10000_basis_points() -> None:
    assert MAX_BASIS_POINTS == 10_000


@pytest.mark.parametrize("basis_points", [0, -1, MAX_BASIS_POINTS + 1, 1_000_000])
def test_a_share_outside_1_to_10000_basis_points_is_refused(basis_points: int) -> None:
    with pytest.raises(InvalidRewardRule, match="between 1 and 10000"):
        ShareReward(basis_points, "USD")


@pytest.mark.parametrize("max_amount", [0, -1, MAX_AMOUNT + 1])
def test_a_share_cap_must_be_a_positive_amount(max_amount: int) -> None:
    with pytest.raises(InvalidRewardRule, match="max_amount"):
        ShareReward(1000, "USD", max_amount=max_amount)


@pytest.mark.parametrize("max_amount", [None, 1, MAX_AMOUNT])
def test_a_share_may_be_uncapped_or_capped_by_any_positive_amount(max_amount: int | None) -> None:
    assert ShareReward(1000, "USD", max_amount=max_amount).max_amount == max_amount


def test_a_share_reward_must_be_in_a_currency() -> None:
    with pytest.raises(InvalidCurrency):
        ShareReward(1000, "points")


@pytest.mark.parametrize(
    ("basis_points", "amount", "earned"),
    [
        (1000, 10_000, 1000),
        (250, 999, 24),  # 24.975 rounds down
        (3333, 100, 33),  # 33.33 rounds down
        (9999, 1, None),  # 0.9999 rounds down to nothing
        (1, 9_999, None),  # 0.9999 rounds down to nothing
        (1, 10_000, 1),
        (MAX_BASIS_POINTS, 12_345, 12_345),
    ],
)
def test_a_share_is_rounded_down_to_whole_minor_units(basis_points: int, amount: int, earned: int | None) -> None:
    expected = None if earned is None else Money(earned, "USD")

    assert ShareReward(basis_points, "USD").earned_on(Money(amount, "USD")) == expected


@pytest.mark.parametrize(
    ("amount", "earned"),
    [(10_000, 1000), (50_000, 5000), (50_010, 5000), (1_000_000, 5000), (49_999, 4999)],
)
def test_a_share_is_capped_by_its_maximum(amount: int, earned: int) -> None:
    assert ShareReward(1000, "USD", max_amount=5000).earned_on(Money(amount, "USD")) == Money(earned, "USD")


def test_a_share_of_a_conversion_in_another_currency_is_no_reward() -> None:
    assert ShareReward(1000, "USD").earned_on(Money(10_000, "EUR")) is None


def test_a_share_of_a_conversion_without_an_amount_is_no_reward() -> None:
    assert ShareReward(1000, "USD", max_amount=5000).earned_on(None) is None


@pytest.mark.parametrize("amount", [0, -10_000])
def test_a_share_of_nothing_or_of_a_negative_amount_is_no_reward(amount: int) -> None:
    assert ShareReward(1000, "USD").earned_on(Money(amount, "USD")) is None


def test_a_share_of_the_largest_amount_is_exact() -> None:
    assert ShareReward(MAX_BASIS_POINTS, "USD").earned_on(Money(MAX_AMOUNT, "USD")) == Money(MAX_AMOUNT, "USD")
    assert ShareReward(5000, "USD").earned_on(Money(MAX_AMOUNT, "USD")) == Money(MAX_AMOUNT // 2, "USD")


# --- What qualifies a referral ---


def test_the_qualifying_event_within_the_window_qualifies() -> None:
    assert terms().qualifies(REFERRED_AT, "purchase", REFERRED_AT + timedelta(days=3), None)


@pytest.mark.parametrize("event_type", ["signup", "Purchase", "purchase.refunded", ""])
def test_another_event_type_does_not_qualify(event_type: str) -> None:
    assert not terms().qualifies(REFERRED_AT, event_type, REFERRED_AT + timedelta(days=3), None)


@pytest.mark.parametrize(
    ("offset", "qualifies"),
    [
        (-timedelta(days=1), False),
        (-SECOND, False),
        (-timedelta(microseconds=1), False),
        (timedelta(0), True),
        (SECOND, True),
        (WINDOW - SECOND, True),
        (WINDOW, True),
        (WINDOW + timedelta(microseconds=1), False),
        (WINDOW + SECOND, False),
        (WINDOW + timedelta(days=1), False),
    ],
    ids=[
        "a-day-before",
        "1s-before",
        "1us-before",
        "at-registration",
        "1s-after",
        "1s-before-end",
        "exactly-at-end",
        "1us-after-end",
        "1s-after-end",
        "a-day-after-end",
    ],
)
def test_the_conversion_must_occur_within_the_window_after_registration_both_ends_included(
    offset: timedelta, qualifies: bool
) -> None:
    assert terms().qualifies(REFERRED_AT, "purchase", REFERRED_AT + offset, None) is qualifies


def test_the_window_compares_instants_across_offsets() -> None:
    end_in_tokyo = (REFERRED_AT + WINDOW).astimezone(TOKYO)

    assert terms().qualifies(REFERRED_AT, "purchase", end_in_tokyo, None)
    assert not terms().qualifies(REFERRED_AT, "purchase", end_in_tokyo + SECOND, None)
    assert not terms().qualifies(REFERRED_AT, "purchase", (REFERRED_AT - SECOND).astimezone(TOKYO), None)


@pytest.mark.parametrize(
    ("converted", "qualifies"),
    [
        (None, False),
        (Money(5000, "EUR"), False),
        (Money(1_000_000, "EUR"), False),
        (Money(0, "USD"), False),
        (Money(4999, "USD"), False),
        (Money(5000, "USD"), True),
        (Money(5001, "USD"), True),
        (Money(1_000_000, "USD"), True),
    ],
    ids=["missing", "equal-other-currency", "more-other-currency", "zero", "1-below", "equal", "1-above", "far-above"],
)
def test_a_minimum_amount_needs_at_least_that_much_in_its_currency(converted: Money | None, qualifies: bool) -> None:
    at = REFERRED_AT + timedelta(days=1)

    assert terms(min_amount=Money(5000, "USD")).qualifies(REFERRED_AT, "purchase", at, converted) is qualifies


@pytest.mark.parametrize("converted", [None, Money(0, "USD"), Money(1, "EUR")])
def test_without_a_minimum_amount_any_amount_or_none_qualifies(converted: Money | None) -> None:
    assert terms().qualifies(REFERRED_AT, "purchase", REFERRED_AT + timedelta(days=1), converted)


def test_an_amount_does_not_rescue_the_wrong_event_or_a_late_conversion() -> None:
    rich = Money(1_000_000, "USD")
    minimum = terms(min_amount=Money(5000, "USD"))

    assert not minimum.qualifies(REFERRED_AT, "signup", REFERRED_AT + SECOND, rich)
    assert not minimum.qualifies(REFERRED_AT, "purchase", REFERRED_AT + WINDOW + SECOND, rich)
    assert not minimum.qualifies(REFERRED_AT, "purchase", REFERRED_AT - SECOND, rich)


def test_the_qualifying_event_is_a_term() -> None:
    subscription = terms(event="subscription.started")

    assert subscription.qualifies(REFERRED_AT, "subscription.started", REFERRED_AT + SECOND, None)
    assert not subscription.qualifies(REFERRED_AT, "purchase", REFERRED_AT + SECOND, None)


def test_a_minimum_amount_must_be_in_a_currency() -> None:
    with pytest.raises(InvalidCurrency):
        ProgrammeTerms(min_amount=Money(5000, "usd"))


# --- Defaults and the unset programme ---


def test_the_default_terms_qualify_a_purchase_within_90_days_and_hold_for_14() -> None:
    defaults = ProgrammeTerms()

    assert DEFAULT_QUALIFYING_EVENT == "purchase"
    assert timedelta(days=90) == DEFAULT_ATTRIBUTION_WINDOW
    assert timedelta(days=14) == DEFAULT_HOLD
    assert defaults.qualifying_event == "purchase"
    assert defaults.attribution_window == timedelta(days=90)
    assert defaults.hold == timedelta(days=14)
    assert defaults.min_amount is None
    assert defaults.max_rewarded_referrals_per_referrer is None


def test_the_unset_programme_is_version_0_with_the_default_terms() -> None:
    assert UNSET_PROGRAMME.version == 0
    assert UNSET_PROGRAMME.updated_at is None
    assert UNSET_PROGRAMME.terms == ProgrammeTerms()
    assert UNSET_PROGRAMME.terms.qualifying_event == "purchase"
    assert UNSET_PROGRAMME.terms.attribution_window == timedelta(days=90)
    assert UNSET_PROGRAMME.terms.hold == timedelta(days=14)


def test_the_unset_programme_grants_nothing_to_either_side() -> None:
    assert UNSET_PROGRAMME.terms.referrer_reward is None
    assert UNSET_PROGRAMME.terms.referee_reward is None


def test_the_unset_programme_still_qualifies_a_purchase_within_90_days() -> None:
    unset = UNSET_PROGRAMME.terms

    assert unset.qualifies(REFERRED_AT, "purchase", REFERRED_AT + timedelta(days=90), None)
    assert not unset.qualifies(REFERRED_AT, "purchase", REFERRED_AT + timedelta(days=90) + SECOND, None)
