from http import HTTPStatus
from typing import Annotated, Any
from uuid import UUID

from dishka import FromDishka
from litestar import Request, Response, Router, get, post
from litestar.params import JSONBody, PathParameter, QueryParameter

from referrals.api.auth import BEARER_SECURITY
from referrals.api.clients import ClientIdentity
from referrals.api.idempotency import IdempotencyKey, answer_once, client_owner
from referrals.api.injection import inject
from referrals.api.openapi_operations import PublicOperation
from referrals.api.operator_auth import API_KEY_SECURITY, authenticated_caller
from referrals.api.preflight import route_policy
from referrals.api.problems import problem_responses
from referrals.api.programme_schemas import ReferralPageResponse, ReferrerStatsResponse
from referrals.api.programme_views import referral_page_view, stats_view
from referrals.api.rate_limits import Budget
from referrals.api.schemas import RegisterWithReferralRequest, UserResponse
from referrals.api.views import registered_response
from referrals.application.idempotency import IdempotentRequests
from referrals.application.pages import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest
from referrals.application.use_cases.list_referrals import ListReferrals, ReferralsRequest
from referrals.application.use_cases.referrer_stats import GetReferrerStats
from referrals.application.use_cases.register_user import RegisterUser, Registration
from referrals.domain.referral import ReferralState


@post(
    "/register-with-referral",
    operation_id="registerWithReferral",
    operation_class=PublicOperation,
    status_code=HTTPStatus.CREATED,
    opt=route_policy(budget=Budget.REGISTRATIONS),
    responses=problem_responses(400, 408, 409, 413, 415, 422, 429, 503),
)
@inject
async def register_with_referral(
    request: Request[Any, Any, Any],
    data: JSONBody[RegisterWithReferralRequest],
    register_user: FromDishka[RegisterUser],
    idempotent: FromDishka[IdempotentRequests],
    clients: FromDishka[ClientIdentity],
    idempotency_key: IdempotencyKey = None,
) -> Response[UserResponse]:
    """Create an account as the referral of the owner of an active referral code. A taken email answers 409
    even when the code is also wrong; an unknown, expired, deleted or spent code answers one and the same 422.

    Screened for referral fraud: an address whose mailbox is the code owner's own is refused (422
    `self-referral`), as is a throwaway address (422 `disposable-email`, unless the operator flags or allows
    them); a registration that shows a likely sign of one person behind both accounts is accepted, and its
    referral is flagged for the operator's review: it earns nothing until approved."""
    registration = Registration(
        email=data.email,
        password=data.password,
        referral_code=data.referral_code,
        client=clients.of(request.scope),
    )

    async def run() -> Response[UserResponse]:
        return registered_response(await register_user(registration), request)

    return await answer_once(request, idempotency_key, idempotent, client_owner, run)


# The referrer by token, or a key with referrals:read.
REFERRER_VIEW_SECURITY = [*BEARER_SECURITY, *API_KEY_SECURITY]
ReferrerId = Annotated[UUID, PathParameter(description="The referrer's id.")]


@get(
    "/referrals/{referrer_id:str}",
    operation_id="listReferrals",
    opt=route_policy(),
    security=REFERRER_VIEW_SECURITY,
    responses=problem_responses(400, 401, 403, 503),
)
@inject
async def list_referrals(
    request: Request[Any, Any, Any],
    referrer_id: ReferrerId,
    list_referrals: FromDishka[ListReferrals],
    state_filter: Annotated[
        ReferralState | None, QueryParameter(name="state", description="Only referrals in this state.")
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    offset: Annotated[int, QueryParameter(ge=0, le=2**31 - 1)] = 0,
) -> ReferralPageResponse:
    """A referrer's referrals, newest first: for the referrer's own token, or a key with `referrals:read`."""
    caller = await authenticated_caller(request)
    page = await list_referrals(
        ReferralsRequest(caller=caller, referrer_id=referrer_id, state=state_filter, page=PageRequest(limit, offset))
    )
    return referral_page_view(page)


@get(
    "/referrals/{referrer_id:str}/stats",
    operation_id="getReferrerStats",
    opt=route_policy(),
    security=REFERRER_VIEW_SECURITY,
    responses=problem_responses(400, 401, 403, 503),
)
@inject
async def referrer_stats(
    request: Request[Any, Any, Any], referrer_id: ReferrerId, get_stats: FromDishka[GetReferrerStats]
) -> ReferrerStatsResponse:
    """How a referrer's referrals stand, and the sums of the referrer's own rewards per currency and state:
    for the referrer's own token, or a key with `referrals:read`."""
    return stats_view(await get_stats(await authenticated_caller(request), referrer_id))


router = Router(path="/", route_handlers=[register_with_referral, list_referrals, referrer_stats], tags=["referrals"])
