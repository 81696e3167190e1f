"""The operator's view of the programme: every referral and reward, voids and payouts."""

from typing import Annotated, Any
from uuid import UUID

from dishka import FromDishka
from litestar import Request, Response, Router, get, post
from litestar.params import JSONBody, PathParameter, QueryParameter

from referrals.api.idempotency import IdempotencyKey, answer_once, key_owner
from referrals.api.injection import inject
from referrals.api.operator_auth import API_KEY_SECURITY, requires_scope
from referrals.api.problems import problem_responses
from referrals.api.programme_schemas import (
    ReferralPageResponse,
    ReferralResponse,
    RewardPageResponse,
    RewardResponse,
    VoidReferralRequest,
)
from referrals.api.programme_views import referral_page_view, referral_view, reward_page_view, reward_view
from referrals.application.idempotency import IdempotentRequests
from referrals.application.pages import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest
from referrals.application.ports.referrals import ReferralFilter
from referrals.application.ports.rewards import RewardFilter
from referrals.application.use_cases.list_referrals import BrowseReferrals
from referrals.application.use_cases.list_rewards import ListRewards
from referrals.application.use_cases.settle_rewards import RedeemReward, VoidReward
from referrals.application.use_cases.void_referral import ReferralVoiding, VoidReferral
from referrals.domain.api_keys import Scope
from referrals.domain.referral import ReferralState
from referrals.domain.reward import RewardState

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)]
Offset = Annotated[int, QueryParameter(ge=0, le=2**31 - 1)]
RewardId = Annotated[UUID, PathParameter(description="The reward's id.")]


@get(
    "/referrals",
    operation_id="browseReferrals",
    guards=[requires_scope(Scope.REFERRALS_READ)],
    security=API_KEY_SECURITY,
    responses=problem_responses(400, 401, 403, 503),
)
@inject
async def browse_referrals(
    browse: FromDishka[BrowseReferrals],
    state_filter: Annotated[
        ReferralState | None, QueryParameter(name="state", description="Only referrals in this state.")
    ] = None,
    referrer_id: Annotated[UUID | None, QueryParameter(description="Only this referrer's referrals.")] = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    offset: Offset = 0,
) -> ReferralPageResponse:
    """Every referral, newest first, optionally of one referrer or in one state (needs `referrals:read`)."""
    page = await browse(ReferralFilter(referrer_id=referrer_id, state=state_filter), PageRequest(limit, offset))
    return referral_page_view(page)


@post(
    "/referrals/{referee_id:str}/void",
    operation_id="voidReferral",
    guards=[requires_scope(Scope.REFERRALS_WRITE)],
    security=API_KEY_SECURITY,
    status_code=200,
    responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
)
@inject
async def void_referral(
    referee_id: Annotated[UUID, PathParameter(description="The referral's id: its referee's user id.")],
    data: JSONBody[VoidReferralRequest],
    void: FromDishka[VoidReferral],
    request: Request[Any, Any, Any],
    idempotent: FromDishka[IdempotentRequests],
    idempotency_key: IdempotencyKey = None,
) -> Response[ReferralResponse]:
    """Void a referral and its rewards that are not voided (needs `referrals:write`); 409 when it is voided
    already or one of its rewards is redeemed, and then nothing changes."""
    voiding = ReferralVoiding(referee_id=referee_id, reason=data.reason, note=data.note)

    async def run() -> ReferralResponse:
        return referral_view(await void(voiding))

    return await answer_once(request, idempotency_key, idempotent, key_owner, run)


@get(
    "/rewards",
    operation_id="browseRewards",
    guards=[requires_scope(Scope.REFERRALS_READ)],
    security=API_KEY_SECURITY,
    responses=problem_responses(400, 401, 403, 503),
)
@inject
async def browse_rewards(
    list_rewards: FromDishka[ListRewards],
    state_filter: Annotated[
        RewardState | None, QueryParameter(name="state", description="Only rewards in this state.")
    ] = None,
    user_id: Annotated[UUID | None, QueryParameter(description="Only this user's rewards, in either role.")] = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    offset: Offset = 0,
) -> RewardPageResponse:
    """Every reward, newest first (needs `referrals:read`); `state=available` is the payout queue."""
    page = await list_rewards(RewardFilter(user_id=user_id, state=state_filter), PageRequest(limit, offset))
    return reward_page_view(page)


@post(
    "/rewards/{reward_id:str}/redeem",
    operation_id="redeemReward",
    guards=[requires_scope(Scope.REFERRALS_WRITE)],
    security=API_KEY_SECURITY,
    status_code=200,
    responses=problem_responses(400, 401, 403, 404, 409, 422, 503),
)
@inject
async def redeem_reward(
    reward_id: RewardId,
    redeem: FromDishka[RedeemReward],
    request: Request[Any, Any, Any],
    idempotent: FromDishka[IdempotentRequests],
    idempotency_key: IdempotencyKey = None,
) -> Response[RewardResponse]:
    """Record an available reward as paid out (needs `referrals:write`); 409 for a reward in any other state."""

    async def run() -> RewardResponse:
        return reward_view(await redeem(reward_id))

    return await answer_once(request, idempotency_key, idempotent, key_owner, run)


@post(
    "/rewards/{reward_id:str}/void",
    operation_id="voidReward",
    guards=[requires_scope(Scope.REFERRALS_WRITE)],
    security=API_KEY_SECURITY,
    status_code=200,
    responses=problem_responses(400, 401, 403, 404, 409, 422, 503),
)
@inject
async def void_reward(
    reward_id: RewardId,
    void: FromDishka[VoidReward],
    request: Request[Any, Any, Any],
    idempotent: FromDishka[IdempotentRequests],
    idempotency_key: IdempotencyKey = None,
) -> Response[RewardResponse]:
    """Void a pending or available reward (needs `referrals:write`); 409 for a redeemed or voided one."""

    async def run() -> RewardResponse:
        return reward_view(await void(reward_id))

    return await answer_once(request, idempotency_key, idempotent, key_owner, run)


router = Router(
    path="/admin",
    route_handlers=[browse_referrals, void_referral, browse_rewards, redeem_reward, void_reward],
    tags=["operators"],
)
