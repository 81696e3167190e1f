"""The programme's terms, and the conversions the operator's backend reports."""

from http import HTTPStatus
from typing import Any

from dishka import FromDishka
from litestar import Request, Response, Router, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from referrals.api.allowed_methods import options_for
from referrals.api.idempotency import IdempotencyKey, answer_once, key_owner
from referrals.api.injection import inject
from referrals.api.openapi_operations import PublicOperation
from referrals.api.operator_auth import API_KEY_SECURITY, requires_scope
from referrals.api.problems import problem_responses
from referrals.api.programme_schemas import ConversionRequest, ConversionResponse, ProgrammeRequest, ProgrammeResponse
from referrals.api.programme_views import conversion_view, programme_terms, programme_view
from referrals.api.timestamps import rfc3339
from referrals.application.idempotency import IdempotentRequests
from referrals.application.use_cases.programme import GetProgramme, SetProgramme
from referrals.application.use_cases.record_conversion import ConversionReport, RecordConversion
from referrals.domain.api_keys import Scope
from referrals.domain.money import Money
from referrals.domain.programme_errors import InvalidConversion


@get(
    "/program",
    operation_id="getProgramme",
    operation_class=PublicOperation,
    responses=problem_responses(503),
)
@inject
async def get_programme(get_programme: FromDishka[GetProgramme]) -> ProgrammeResponse:
    """The terms in force: what a referrer is offered. Before any are set, version 0 grants nothing."""
    return programme_view(await get_programme())


@put(
    "/program",
    operation_id="setProgramme",
    guards=[requires_scope(Scope.PROGRAM_WRITE)],
    security=API_KEY_SECURITY,
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 503),
)
@inject
async def set_programme(data: JSONBody[ProgrammeRequest], set_programme: FromDishka[SetProgramme]) -> ProgrammeResponse:
    """Set new terms as the next version (needs `program:write`). Rewards already granted keep the version they
    were computed under."""
    return programme_view(await set_programme(programme_terms(data)))


@post(
    "/conversions",
    operation_id="recordConversion",
    guards=[requires_scope(Scope.EVENTS_WRITE)],
    security=API_KEY_SECURITY,
    status_code=HTTPStatus.CREATED,
    responses={
        HTTPStatus.OK: ResponseSpec(
            data_container=ConversionResponse,
            description="The same conversion was reported before: it is not stored again; it stands as shown.",
            generate_examples=False,
        ),
        **problem_responses(400, 401, 403, 409, 413, 415, 422, 503),
    },
)
@inject
async def record_conversion(
    request: Request[Any, Any, Any],
    data: JSONBody[ConversionRequest],
    record: FromDishka[RecordConversion],
    idempotent: FromDishka[IdempotentRequests],
    idempotency_key: IdempotencyKey = None,
) -> Response[ConversionResponse]:
    """Report a conversion (needs `events:write`): 201 when stored; the same `id` with the same content again
    answers 200 with the conversion as it stands; the same `id` with other content is a 409. The first
    qualifying conversion of a pending referral qualifies it and grants the programme's rewards."""
    if (data.amount is None) != (data.currency is None):
        msg = "Give amount and currency together, or neither."
        raise InvalidConversion(msg)
    report = ConversionReport(
        id=data.id,
        type=data.type,
        user_id=data.user_id,
        email=data.email,
        value=None if data.amount is None or data.currency is None else Money(data.amount, data.currency),
        occurred_at=None if data.occurred_at is None else rfc3339(data.occurred_at, "occurred_at"),
    )

    async def run() -> Response[ConversionResponse]:
        recorded = await record(report)
        status = HTTPStatus.CREATED if recorded.created else HTTPStatus.OK
        return Response(conversion_view(recorded), status_code=status)

    return await answer_once(request, idempotency_key, idempotent, key_owner, run)


router = Router(
    path="/",
    # Before the handlers it speaks for: see allowed_methods.
    route_handlers=[
        options_for("/program", get_programme, set_programme),
        get_programme,
        set_programme,
        record_conversion,
    ],
    tags=["programme"],
)
