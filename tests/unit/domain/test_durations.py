"""ISO 8601 durations of fixed length: what parses, what is refused, and the canonical spelling back.

The canonical spelling carries into the largest unit (days, hours, minutes, seconds) and leaves out zero parts:
PT90M comes back as PT1H30M and P1W as P7D.
"""

from datetime import timedelta

import pytest

from referrals.domain.durations import MAX_DURATION, format_duration, parse_duration
from referrals.domain.errors import DomainError
from referrals.domain.programme_errors import InvalidDuration


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("P14D", timedelta(days=14)),
        ("PT3S", timedelta(seconds=3)),
        ("P1W", timedelta(weeks=1)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("PT90M", timedelta(minutes=90)),
        ("PT1H30M", timedelta(minutes=90)),
        ("PT36H", timedelta(hours=36)),
        ("P2W3DT4H5M6S", timedelta(weeks=2, days=3, hours=4, minutes=5, seconds=6)),
        ("PT0S", timedelta(0)),
        ("P0D", timedelta(0)),
        ("P014D", timedelta(days=14)),
        ("P3650D", MAX_DURATION),
        ("P521W", timedelta(weeks=521)),
        ("PT87600H", MAX_DURATION),
        ("PT9999999S", timedelta(seconds=9_999_999)),
    ],
)
def test_a_fixed_length_duration_parses_to_its_span(text: str, duration: timedelta) -> None:
    assert parse_duration(text) == duration


def test_the_longest_duration_is_ten_years_of_days() -> None:
    assert timedelta(days=3650) == MAX_DURATION


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(days=14), "P14D"),
        (timedelta(seconds=3), "PT3S"),
        (timedelta(weeks=1), "P7D"),
        (timedelta(days=1, hours=12), "P1DT12H"),
        (timedelta(minutes=90), "PT1H30M"),
        (timedelta(hours=36), "P1DT12H"),
        (timedelta(days=1, seconds=1), "P1DT1S"),
        (timedelta(hours=2, seconds=5), "PT2H5S"),
        (timedelta(days=90), "P90D"),
        (MAX_DURATION, "P3650D"),
        (timedelta(0), "PT0S"),
    ],
)
def test_a_duration_is_formatted_in_days_and_time_carried_into_the_largest_units(
    duration: timedelta, text: str
) -> None:
    assert format_duration(duration) == text


@pytest.mark.parametrize("text", ["P14D", "PT3S", "P1DT12H", "PT1H30M", "P1DT2H3M4S", "PT59M59S", "P3650D", "PT0S"])
def test_a_canonical_spelling_survives_the_round_trip_unchanged(text: str) -> None:
    assert format_duration(parse_duration(text)) == text


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("P1W", "P7D"),
        ("PT90M", "PT1H30M"),
        ("PT36H", "P1DT12H"),
        ("P0D", "PT0S"),
        ("PT3600S", "PT1H"),
        ("P014D", "P14D"),
    ],
)
def test_any_other_spelling_comes_back_canonical_with_the_same_span(text: str, canonical: str) -> None:
    formatted = format_duration(parse_duration(text))

    assert formatted == canonical
    assert parse_duration(formatted) == parse_duration(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "P",
        "PT",
        "P1DT",
        "P1Y",
        "P1M",
        "P1Y2M3D",
        "14D",
        "-P1D",
        "+P1D",
        "P-1D",
        "P1.5D",
        "P1,5D",
        "PT1.5S",
        "p14d",
        "P14d",
        "P 14D",
        " P14D",
        "P14D ",
        "PT1H1D",
        "P1D1W",
        "PT1S1M",
        "P1H",
        "PT1D",
        "P1D1D",
        "P1DT1H1H",
        "14",
        "PD",
        "PTS",
    ],
)
def test_anything_but_weeks_days_hours_minutes_and_seconds_is_refused(text: str) -> None:
    with pytest.raises(InvalidDuration):
        parse_duration(text)


def test_the_refusal_names_the_text_and_an_example() -> None:
    with pytest.raises(InvalidDuration, match=r"'P1M'.*P14D"):
        parse_duration("P1M")


@pytest.mark.parametrize(
    "text",
    [
        "P99999999D",
        "P99999999W",
        "PT99999999H",
        "PT99999999999999999999S",
        "P" + "9" * 40 + "D",
        "P" + "9" * 5000 + "D",
        "P262152302W",
        "P999999999W",
        "P999999999DT999999999H999999999M999999999S",
    ],
    ids=[
        "8-digit-days",
        "8-digit-weeks",
        "8-digit-hours",
        "20-digit-seconds",
        "40-digit-days",
        "5000-digit-days",
        "9-digit-weeks-past-timedelta",
        "9-digit-weeks-past-c-int",
        "9-digit-parts-summing-past-timedelta",
    ],
)
def test_a_huge_number_is_refused_as_an_invalid_duration_not_an_overflow(text: str) -> None:
    with pytest.raises(InvalidDuration):
        parse_duration(text)


@pytest.mark.parametrize(
    "text",
    ["P3651D", "P3650DT1S", "P522W", "PT87601H", "PT5256001M", "P9999999D", "P9999999W", "PT9999999H"],
)
def test_a_duration_longer_than_the_maximum_is_refused_and_says_the_limit(text: str) -> None:
    with pytest.raises(InvalidDuration, match="at most 3650 days"):
        parse_duration(text)


def test_a_duration_of_exactly_the_maximum_is_accepted_in_any_spelling() -> None:
    assert parse_duration("P3650D") == parse_duration("PT87600H") == MAX_DURATION


@pytest.mark.parametrize("text", ["P14D\n", "PT3S\n"])
def test_a_trailing_newline_is_refused(text: str) -> None:
    with pytest.raises(InvalidDuration):
        parse_duration(text)


@pytest.mark.parametrize("text", ["P١٤D", "P１４D", "PT٣S"], ids=["arabic-indic", "fullwidth", "arabic-indic-seconds"])
def test_digits_other_than_ascii_are_refused(text: str) -> None:
    with pytest.raises(InvalidDuration):
        parse_duration(text)


def test_an_invalid_duration_is_a_domain_error_with_a_stable_code() -> None:
    assert issubclass(InvalidDuration, DomainError)
    assert InvalidDuration.code == "invalid-duration"
