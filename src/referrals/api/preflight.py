"""What a route demands before its body is read (a token, a budget, a media type), declared in its ``opt``.

One before-request hook checks them all. Litestar guards would do, but every guard call copies the route
handler first, which costs more than the checks themselves on the hottest routes.
"""

from typing import Any

from litestar import Request

from referrals.api.auth import authenticate
from referrals.api.media_types import JSON, refuse_unsupported_media_type
from referrals.api.rate_limits import Budget, spend

_AUTHENTICATED = "referrals.authenticated"
_BUDGET = "referrals.budget"
_BODY = "referrals.body_media_type"


def route_policy(*, token: bool = False, budget: Budget | None = None, body: str = JSON) -> dict[str, Any]:
    """The ``opt`` of a route: ``token`` for a bearer token, ``budget`` to spend, ``body`` its media type."""
    return {_AUTHENTICATED: token, _BUDGET: budget, _BODY: body}


async def preflight(request: Request[Any, Any, Any]) -> None:
    """The app's before-request hook: 401, then 429, then 415, in that order."""
    opt = request.route_handler.opt
    if opt.get(_AUTHENTICATED):
        await authenticate(request)
    budget = opt.get(_BUDGET)
    if budget is not None:
        await spend(request, budget)
    refuse_unsupported_media_type(request, opt.get(_BODY, JSON))
