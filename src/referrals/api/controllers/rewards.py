"""The caller's own rewards, in either role."""

from typing import Annotated, Any

from dishka import FromDishka
from litestar import Request, Router, get
from litestar.params import QueryParameter

from referrals.api.auth import BEARER_SECURITY, caller_id
from referrals.api.injection import inject
from referrals.api.preflight import route_policy
from referrals.api.problems import problem_responses
from referrals.api.programme_schemas import RewardPageResponse
from referrals.api.programme_views import reward_page_view
from referrals.application.pages import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest
from referrals.application.ports.rewards import RewardFilter
from referrals.application.use_cases.list_rewards import ListRewards
from referrals.domain.reward import RewardState


@get(
    "/me/rewards",
    operation_id="listMyRewards",
    opt=route_policy(token=True),
    security=BEARER_SECURITY,
    responses=problem_responses(400, 401, 503),
)
@inject
async def my_rewards(
    request: Request[Any, Any, Any],
    list_rewards: FromDishka[ListRewards],
    state_filter: Annotated[
        RewardState | None, QueryParameter(name="state", description="Only rewards in this state.")
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    offset: Annotated[int, QueryParameter(ge=0, le=2**31 - 1)] = 0,
) -> RewardPageResponse:
    """The caller's rewards as referrer and as referee, newest first. A pending reward reads as available from
    the instant its hold ends."""
    page = await list_rewards(RewardFilter(user_id=caller_id(request), state=state_filter), PageRequest(limit, offset))
    return reward_page_view(page)


router = Router(path="/users", route_handlers=[my_rewards], tags=["users"])
