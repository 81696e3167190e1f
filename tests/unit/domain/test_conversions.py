"""Conversions: none from the future, and when a second report is the same conversion again."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from referrals.domain.conversion import EARLIEST_OCCURRED_AT, Conversion
from referrals.domain.errors import DomainError
from referrals.domain.ids import new_id
from referrals.domain.money import Money
from referrals.domain.programme_errors import ConversionInFuture, InvalidConversion, InvalidCurrency, InvalidEventType

RECEIVED_AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
OCCURRED_AT = RECEIVED_AT - timedelta(hours=2)
MICROSECOND = timedelta(microseconds=1)
TOKYO = timezone(timedelta(hours=9))


def conversion(**fields: object) -> Conversion:
    values: dict[str, object] = {
        "id": "order-1",
        "user_id": new_id(),
        "type": "purchase",
        "value": Money(5000, "USD"),
        "occurred_at": OCCURRED_AT,
        "received_at": RECEIVED_AT,
    }
    values.update(fields)
    return Conversion(**values)  # type: ignore[arg-type]  # overrides are any field


@pytest.mark.parametrize(
    "occurred_at",
    [RECEIVED_AT - timedelta(days=30), RECEIVED_AT - MICROSECOND, RECEIVED_AT],
    ids=["a-month-ago", "1us-ago", "on-arrival"],
)
def test_a_conversion_may_have_occurred_at_any_instant_up_to_its_arrival(occurred_at: datetime) -> None:
    assert conversion(occurred_at=occurred_at).occurred_at == occurred_at


@pytest.mark.parametrize(
    "occurred_at", [RECEIVED_AT + MICROSECOND, RECEIVED_AT + timedelta(days=1)], ids=["1us-later", "a-day-later"]
)
def test_a_conversion_occurring_after_it_was_received_is_refused(occurred_at: datetime) -> None:
    with pytest.raises(ConversionInFuture):
        conversion(occurred_at=occurred_at)


def test_the_future_is_judged_between_instants_across_offsets() -> None:
    # 21:00 in Tokyo is 12:00 UTC: the very instant of arrival, though the wall clock reads later.
    assert conversion(occurred_at=RECEIVED_AT.astimezone(TOKYO)).occurred_at == RECEIVED_AT
    with pytest.raises(ConversionInFuture):
        conversion(occurred_at=(RECEIVED_AT + MICROSECOND).astimezone(TOKYO))


def test_a_conversion_may_have_occurred_at_the_earliest_instant_and_no_earlier() -> None:
    assert conversion(occurred_at=EARLIEST_OCCURRED_AT).occurred_at == EARLIEST_OCCURRED_AT
    # An instant near the first year a datetime holds, with an offset that would take it out of range in UTC.
    for too_early in (EARLIEST_OCCURRED_AT - MICROSECOND, datetime(1, 1, 1, tzinfo=TOKYO)):
        with pytest.raises(InvalidConversion, match="before 2000-01-01T00:00:00Z"):
            conversion(occurred_at=too_early)


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"id": "order\x00"}, InvalidConversion),
        ({"type": "purchase\n"}, InvalidEventType),
        ({"type": "Purchase"}, InvalidEventType),
        ({"type": "p" * 65}, InvalidEventType),
        ({"value": Money(5000, "USD\n")}, InvalidCurrency),
        ({"value": Money(5000, "A" * 17)}, InvalidCurrency),
    ],
    ids=[
        "nul-in-id",
        "type-with-final-newline",
        "upper-case-type",
        "type-too-long",
        "currency-with-final-newline",
        "currency-too-long",
    ],
)
def test_a_conversion_is_refused_what_no_column_can_keep_as_it_came(
    change: dict[str, object], refusal: type[DomainError]
) -> None:
    with pytest.raises(refusal):
        conversion(**change)


def test_a_conversion_in_the_future_is_a_domain_error_with_a_stable_code() -> None:
    assert issubclass(ConversionInFuture, DomainError)
    assert ConversionInFuture.code == "conversion-in-future"


def test_a_conversion_is_the_same_report_as_itself() -> None:
    reported = conversion()

    assert reported.same_report_as(reported)


def test_a_second_report_arriving_later_is_the_same_report() -> None:
    first = conversion()
    again = replace(first, received_at=RECEIVED_AT + timedelta(hours=5))

    assert first.same_report_as(again)
    assert again.same_report_as(first)


def test_a_second_report_of_the_same_instant_in_another_offset_is_the_same_report() -> None:
    first = conversion()

    assert first.same_report_as(replace(first, occurred_at=OCCURRED_AT.astimezone(TOKYO)))


def test_a_report_without_an_amount_is_the_same_as_another_without_one() -> None:
    first = conversion(value=None)

    assert first.same_report_as(replace(first, received_at=RECEIVED_AT + timedelta(days=1)))


@pytest.mark.parametrize(
    "change",
    [
        {"id": "order-2"},
        {"user_id": new_id()},
        {"type": "subscription.started"},
        {"value": Money(5001, "USD")},
        {"value": Money(5000, "EUR")},
        {"value": None},
        {"occurred_at": OCCURRED_AT + MICROSECOND},
        {"occurred_at": OCCURRED_AT - timedelta(hours=1)},
    ],
    ids=[
        "id",
        "user",
        "type",
        "amount",
        "currency",
        "amount-dropped",
        "occurred-1us-later",
        "occurred-an-hour-earlier",
    ],
)
def test_a_report_differing_in_anything_but_its_arrival_is_another_report(change: dict[str, object]) -> None:
    first = conversion()
    other = replace(first, **change)  # type: ignore[arg-type]  # overrides are any field

    assert not first.same_report_as(other)
    assert not other.same_report_as(first)


def test_a_report_with_an_amount_differs_from_the_same_without_one() -> None:
    without = conversion(value=None)

    assert not without.same_report_as(replace(without, value=Money(5000, "USD")))
