"""Currencies: an ISO 4217 code or an upper-case unit of the programme's own, and nothing else."""

import pytest

from referrals.domain.errors import DomainError
from referrals.domain.money import MAX_AMOUNT, Money, check_currency
from referrals.domain.programme_errors import InvalidCurrency


@pytest.mark.parametrize("currency", ["USD", "EUR", "JPY", "POINTS", "AIR_MILES", "GEMS2", "X" * 16, "ABC"])
def test_an_iso_code_or_an_upper_case_unit_is_accepted_and_returned(currency: str) -> None:
    assert check_currency(currency) == currency


@pytest.mark.parametrize(
    "currency",
    [
        "usd",
        "Usd",
        "US",
        "U",
        "",
        "$",
        "US$",
        "X" * 17,
        "POINTS_AND_MORE_POINTS",
        "1USD",
        "_USD",
        "US D",
        "US-D",
        " USD",
        "USD ",
        "€UR",
        "ÜSD",
    ],
)
def test_anything_else_is_refused(currency: str) -> None:
    with pytest.raises(InvalidCurrency):
        check_currency(currency)


def test_the_refusal_names_the_currency() -> None:
    with pytest.raises(InvalidCurrency, match="'usd'"):
        check_currency("usd")


def test_a_trailing_newline_is_refused() -> None:
    with pytest.raises(InvalidCurrency):
        check_currency("USD\n")


def test_an_invalid_currency_is_a_domain_error_with_a_stable_code() -> None:
    assert issubclass(InvalidCurrency, DomainError)
    assert InvalidCurrency.code == "invalid-currency"


def test_the_largest_amount_is_the_largest_integer_json_holds_exactly() -> None:
    assert MAX_AMOUNT == 2**53 - 1
    assert float(MAX_AMOUNT) == MAX_AMOUNT


def test_money_is_a_value_equal_by_amount_and_currency() -> None:
    assert Money(500, "USD") == Money(500, "USD")
    assert Money(500, "USD") != Money(500, "EUR")
    assert Money(500, "USD") != Money(501, "USD")
    assert len({Money(500, "USD"), Money(500, "USD")}) == 1
