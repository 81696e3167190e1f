"""Per-client attempt budgets on the public endpoints, spent by the preflight hook before the body is read."""

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from litestar import Request

from referrals.api.clients import ClientIdentity
from referrals.application.ports.throttling import Rate
from referrals.application.throttling import Throttle


class Budget(enum.StrEnum):
    LOOKUPS = "lookups"
    # Plain registrations and registrations with a code spend from one budget.
    REGISTRATIONS = "registrations"
    # POST /auth/refresh and the token endpoint's refresh grant spend from one budget.
    REFRESHES = "refreshes"


@dataclass(frozen=True, slots=True)
class ClientBudgets:
    throttle: Throttle
    identity: ClientIdentity
    rates: Mapping[Budget, Rate]


async def spend(request: Request[Any, Any, Any], budget: Budget, budgets: ClientBudgets) -> None:
    """Spend one attempt from the caller's ``budget``, or refuse with ``TooManyAttempts`` (429, Retry-After)."""
    rate = budgets.rates[budget]
    if rate.enabled:
        await budgets.throttle.take(f"{budget}:client:{budgets.identity.of(request.scope)}", rate)
