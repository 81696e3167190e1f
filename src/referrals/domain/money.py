"""Amounts in minor units of a currency: an ISO 4217 code, or an upper-case unit of the programme's own."""

import re
from dataclasses import dataclass

from referrals.domain.programme_errors import InvalidCurrency

CURRENCY_PATTERN = r"^[A-Z][A-Z0-9_]{2,15}$"
_CURRENCY = re.compile(CURRENCY_PATTERN)
# The largest integer every JSON reader holds exactly (2^53 - 1).
MAX_AMOUNT = 2**53 - 1


def check_currency(currency: str) -> str:
    # Whole: $ in the pattern (JSON Schema's spelling) would let a final newline through.
    if not _CURRENCY.fullmatch(currency):
        msg = f"{currency!r} is not a currency: an ISO 4217 code (USD) or an upper-case unit of 3 to 16 characters."
        raise InvalidCurrency(msg)
    return currency


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str
