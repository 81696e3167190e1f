"""Per-client attempt budgets on the public endpoints, checked before the request body is read."""

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from referrals.api.clients import ClientIdentity
from referrals.application.ports import Rate
from referrals.application.throttling import Throttle


class Budget(enum.StrEnum):
    LOOKUPS = "lookups"
    # Plain registrations and registrations with a code spend from one budget.
    REGISTRATIONS = "registrations"


@dataclass(frozen=True, slots=True)
class ClientBudgets:
    throttle: Throttle
    identity: ClientIdentity
    rates: Mapping[Budget, Rate]


def per_client(budget: Budget) -> Guard:
    """A guard that spends one attempt from the caller's ``budget``, or refuses with 429 and Retry-After."""

    async def spend(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        budgets: ClientBudgets = await connection.state.dishka_container.get(ClientBudgets)
        client = budgets.identity.of(connection.scope)
        await budgets.throttle.take(f"{budget}:client:{client}", budgets.rates[budget])

    return spend
