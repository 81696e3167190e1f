from typing import Any

from dishka import FromDishka
from litestar import Request, Router, get

from referrals.api.auth import BEARER_SECURITY, caller_id
from referrals.api.injection import inject_app_wide
from referrals.api.preflight import route_policy
from referrals.api.problems import problem_responses
from referrals.api.schemas import MeResponse
from referrals.api.views import me_view
from referrals.application.use_cases.get_profile import GetProfile


@get(
    "/me",
    operation_id="getCurrentUser",
    opt=route_policy(token=True),
    security=BEARER_SECURITY,
    responses=problem_responses(401, 503),
)
@inject_app_wide
async def me(request: Request[Any, Any, Any], get_profile: FromDishka[GetProfile]) -> MeResponse:
    """The caller's own account, with the profile found by the enrichment provider when one is configured."""
    return me_view(await get_profile(caller_id(request)))


router = Router(path="/users", route_handlers=[me], tags=["users"])
