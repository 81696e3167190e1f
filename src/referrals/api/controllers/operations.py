"""Liveness and readiness, for load balancers and orchestrators."""

from http import HTTPStatus
from typing import Any, Literal

from dishka import FromDishka
from litestar import Request, Response, get

from referrals.api.injection import inject
from referrals.api.problems import problem_response, problem_responses
from referrals.api.schemas import HealthResponse, ReadinessResponse
from referrals.application.use_cases.check_readiness import CheckReadiness

# A failed readiness check is worth retrying soon; the orchestrator decides how soon, this is a hint.
RETRY_READINESS_AFTER_SECONDS = "5"


@get("/health", tags=["operations"])
async def health() -> HealthResponse:
    """Liveness: the process answers. Touches no dependency."""
    return HealthResponse()


@get("/ready", tags=["operations"], responses=problem_responses(503))
@inject
async def ready(request: Request[Any, Any, Any], check_readiness: FromDishka[CheckReadiness]) -> Response[Any]:
    """Readiness: 200 while the database answers, the cache reported `ok` or `degraded`; 503 without the database."""
    readiness = await check_readiness()
    cache: Literal["ok", "degraded"] = "ok" if readiness.cache_healthy else "degraded"
    if not readiness.ready:
        return problem_response(
            request,
            HTTPStatus.SERVICE_UNAVAILABLE,
            detail=f"The database is unreachable (cache: {cache}).",
            headers={"Retry-After": RETRY_READINESS_AFTER_SECONDS},
        )
    return Response(ReadinessResponse(database="ok", cache=cache))
