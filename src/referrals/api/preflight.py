"""What a route demands before its body is read (a token, a budget, a media type), declared in its ``opt``.

One before-request hook checks them all. Litestar guards would do, but every guard call copies the route
handler first, which costs more than the checks themselves on the hottest routes.
"""

from dataclasses import dataclass
from typing import Any

from litestar import Request

from referrals.api.auth import authenticate
from referrals.api.injection import app_container
from referrals.api.media_types import JSON, refuse_unsupported_media_type
from referrals.api.rate_limits import Budget, ClientBudgets, spend
from referrals.application.ports.accounts import AccessTokens

_AUTHENTICATED = "referrals.authenticated"
_BUDGET = "referrals.budget"
_BODY = "referrals.body_media_type"


def route_policy(*, token: bool = False, budget: Budget | None = None, body: str = JSON) -> dict[str, Any]:
    """The ``opt`` of a route: ``token`` for a bearer token, ``budget`` to spend, ``body`` its media type."""
    return {_AUTHENTICATED: token, _BUDGET: budget, _BODY: body}


@dataclass(frozen=True, slots=True)
class _Checkers:
    access_tokens: AccessTokens
    budgets: ClientBudgets


class Preflight:
    """The API routes' before-request hook: 401, then 429, then 415, in that order.

    What it checks with lives as long as the app, so it is resolved from the app's container once, on first use.
    It reaches the container through the request, not a reference of its own: Litestar deep-copies the hooks it
    is given, and a copied container would build budgets of its own, apart from those the handlers spend.
    """

    def __init__(self) -> None:
        self._checkers: _Checkers | None = None

    async def __call__(self, request: Request[Any, Any, Any]) -> None:
        checkers = self._checkers or await self._resolve(request)
        opt = request.route_handler.opt
        if opt.get(_AUTHENTICATED):
            authenticate(request, checkers.access_tokens)
        budget = opt.get(_BUDGET)
        if budget is not None:
            await spend(request, budget, checkers.budgets)
        refuse_unsupported_media_type(request, opt.get(_BODY, JSON))

    async def _resolve(self, request: Request[Any, Any, Any]) -> _Checkers:
        container = app_container(request)
        self._checkers = _Checkers(
            access_tokens=await container.get(AccessTokens),
            budgets=await container.get(ClientBudgets),
        )
        return self._checkers
