from http import HTTPStatus
from typing import Annotated, Any
from uuid import UUID

from dishka import FromDishka
from litestar import Request, Response, Router, get, post
from litestar.params import JSONBody, Parameter, PathParameter

from referrals.api.auth import BEARER_SECURITY, caller_id
from referrals.api.injection import inject
from referrals.api.openapi_operations import PublicOperation
from referrals.api.preflight import route_policy
from referrals.api.problems import problem_responses
from referrals.api.rate_limits import Budget
from referrals.api.schemas import ReferralPageResponse, ReferralResponse, RegisterWithReferralRequest, UserResponse
from referrals.api.views import registered_response
from referrals.application.use_cases.list_referrals import MAX_PAGE_SIZE, ListReferrals, ReferralsRequest
from referrals.application.use_cases.register_user import RegisterUser, Registration


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
) -> Response[UserResponse]:
    """Create an account as the referral of the owner of an active referral code. A taken email answers 409
    even when the code is also wrong; an unknown, expired or deleted code answers one and the same 422."""
    registration = Registration(email=data.email, password=data.password, referral_code=data.referral_code)
    return registered_response(await register_user(registration), request)


@get(
    "/referrals/{referrer_id:str}",
    operation_id="listReferrals",
    opt=route_policy(token=True),
    security=BEARER_SECURITY,
    responses=problem_responses(400, 401, 403, 503),
)
@inject
async def list_referrals(
    request: Request[Any, Any, Any],
    referrer_id: Annotated[UUID, PathParameter(description="The referrer's id.")],
    list_referrals: FromDishka[ListReferrals],
    limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE)] = 20,
    offset: Annotated[int, Parameter(ge=0, le=2**31 - 1)] = 0,
) -> ReferralPageResponse:
    """The caller's referrals, newest first. Only the referrer may read their own list."""
    page = await list_referrals(
        ReferralsRequest(requester_id=caller_id(request), referrer_id=referrer_id, limit=limit, offset=offset)
    )
    items = [ReferralResponse(id=item.id, email=item.email, created_at=item.created_at) for item in page.items]
    return ReferralPageResponse(items=items, total=page.total, limit=page.limit, offset=page.offset)


router = Router(path="/", route_handlers=[register_with_referral, list_referrals], tags=["referrals"])
