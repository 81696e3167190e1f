from http import HTTPStatus
from typing import Annotated, Any

from dishka import FromDishka
from litestar import Request, Response, Router, delete, get, post
from litestar.params import JSONBody, PathParameter

from referrals.api.auth import BEARER_SECURITY, caller_id
from referrals.api.idempotency import IdempotencyKey, answer_once, user_owner
from referrals.api.injection import inject, inject_app_wide
from referrals.api.openapi_operations import PublicOperation
from referrals.api.preflight import route_policy
from referrals.api.problems import problem_responses
from referrals.api.rate_limits import Budget
from referrals.api.schemas import (
    EMAIL_PATTERN,
    MAX_EMAIL_PATH_LENGTH,
    ActiveCodeResponse,
    CreateCodeRequest,
    CreatedCodeResponse,
)
from referrals.api.timestamps import rfc3339
from referrals.application.idempotency import IdempotentRequests
from referrals.application.use_cases.create_referral_code import CreateReferralCode, NewCode
from referrals.application.use_cases.delete_referral_code import DeleteReferralCode
from referrals.application.use_cases.find_active_code import FindActiveCode


@post(
    "/create",
    operation_id="createReferralCode",
    status_code=HTTPStatus.CREATED,
    opt=route_policy(token=True),
    security=BEARER_SECURITY,
    responses=problem_responses(400, 401, 408, 409, 413, 415, 422, 503),
)
@inject
async def create_code(
    request: Request[Any, Any, Any],
    data: JSONBody[CreateCodeRequest],
    create: FromDishka[CreateReferralCode],
    idempotent: FromDishka[IdempotentRequests],
    idempotency_key: IdempotencyKey = None,
) -> Response[CreatedCodeResponse]:
    """Create the caller's referral code. `expires_at` is required: strictly in the future, at most a year ahead
    (configurable). Only one code can be active at a time: delete the current one first. With `max_uses`, the
    code is spent once that many newcomers registered with it, and the caller may then create the next one."""
    expires_at = rfc3339(data.expires_at, "expires_at")
    new_code = NewCode(owner_id=caller_id(request), expires_at=expires_at, max_uses=data.max_uses)

    async def run() -> CreatedCodeResponse:
        code = await create(new_code)
        return CreatedCodeResponse(
            code=code.code, expires_at=code.expires_at, created_at=code.created_at, max_uses=code.max_uses
        )

    return await answer_once(request, idempotency_key, idempotent, user_owner, run)


@delete(
    "/delete",
    operation_id="deleteReferralCode",
    status_code=HTTPStatus.NO_CONTENT,
    opt=route_policy(token=True),
    security=BEARER_SECURITY,
    responses=problem_responses(401, 404, 503),
)
@inject
async def delete_code(request: Request[Any, Any, Any], delete_referral_code: FromDishka[DeleteReferralCode]) -> None:
    """Delete the caller's active referral code. It stops working at once, for lookups and registrations."""
    await delete_referral_code(caller_id(request))


@get(
    "/{email:str}",
    operation_id="findReferralCode",
    operation_class=PublicOperation,
    opt=route_policy(budget=Budget.LOOKUPS),
    responses=problem_responses(400, 404, 429, 503),
)
@inject_app_wide
async def find_code(
    email: Annotated[
        str,
        PathParameter(
            max_length=MAX_EMAIL_PATH_LENGTH,
            pattern=EMAIL_PATTERN,
            description="The referrer's email.",
            schema_extra={"format": "idn-email"},
        ),
    ],
    find_active_code: FromDishka[FindActiveCode],
) -> ActiveCodeResponse:
    """The active referral code of the referrer with this email. An unknown email and a referrer without an
    active code answer the same 404."""
    live = await find_active_code(email)
    return ActiveCodeResponse(code=live.code, expires_at=live.expires_at)


router = Router(path="/referral-code", route_handlers=[create_code, delete_code, find_code], tags=["referral codes"])
