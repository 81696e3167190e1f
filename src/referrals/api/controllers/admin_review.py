"""The operator's review of referrals the fraud rules flagged (listing them is `GET /admin/referrals?state=flagged`)."""

from typing import Annotated, Any
from uuid import UUID

from dishka import FromDishka
from litestar import Request, Response, Router, post
from litestar.params import PathParameter

from referrals.api.idempotency import IdempotencyKey, answer_once, key_owner
from referrals.api.injection import inject
from referrals.api.operator_auth import API_KEY_SECURITY, requires_scope
from referrals.api.problems import problem_responses
from referrals.api.programme_schemas import ReferralResponse
from referrals.api.programme_views import referral_view
from referrals.application.idempotency import IdempotentRequests
from referrals.application.use_cases.approve_referral import ApproveReferral
from referrals.domain.api_keys import Scope


@post(
    "/referrals/{referee_id:str}/approve",
    operation_id="approveReferral",
    guards=[requires_scope(Scope.REFERRALS_WRITE)],
    security=API_KEY_SECURITY,
    status_code=200,
    responses=problem_responses(400, 401, 403, 404, 409, 422, 503),
)
@inject
async def approve_referral(
    referee_id: Annotated[UUID, PathParameter(description="The referral's id: its referee's user id.")],
    approve: FromDishka[ApproveReferral],
    request: Request[Any, Any, Any],
    idempotent: FromDishka[IdempotentRequests],
    idempotency_key: IdempotencyKey = None,
) -> Response[ReferralResponse]:
    """Clear a flagged referral after review (needs `referrals:write`): it is pending again, or qualified at once
    when a qualifying conversion arrived while it was flagged, its rewards granted under the programme in force
    and held from that conversion's instant. 409 for a referral that is not flagged; `void` stays available."""

    async def run() -> ReferralResponse:
        return referral_view(await approve(referee_id))

    return await answer_once(request, idempotency_key, idempotent, key_owner, run)


router = Router(path="/admin", route_handlers=[approve_referral], tags=["operators"])
