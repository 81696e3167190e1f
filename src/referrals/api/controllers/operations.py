"""Liveness and readiness, for load balancers and orchestrators."""

from typing import Literal

from dishka import FromDishka
from litestar import get
from litestar.exceptions import ServiceUnavailableException

from referrals.api.injection import inject
from referrals.api.openapi_operations import PublicOperation
from referrals.api.problems import problem_responses
from referrals.api.schemas import HealthResponse, ReadinessResponse
from referrals.application.use_cases.check_readiness import CheckReadiness

# A failed readiness check is worth retrying soon; the orchestrator decides how soon, this is a hint.
RETRY_READINESS_AFTER_SECONDS = "5"


@get("/health", operation_id="checkHealth", operation_class=PublicOperation, tags=["operations"])
async def health() -> HealthResponse:
    """Liveness: the process answers. Touches no dependency."""
    return HealthResponse()


@get(
    "/ready",
    operation_id="checkReadiness",
    operation_class=PublicOperation,
    tags=["operations"],
    responses=problem_responses(503),
)
@inject
async def ready(check_readiness: FromDishka[CheckReadiness]) -> ReadinessResponse:
    """Readiness: 200 while the database answers, the cache reported `ok` or `degraded`; 503 without the database."""
    readiness = await check_readiness()
    cache: Literal["ok", "degraded"] = "ok" if readiness.cache_healthy else "degraded"
    if not readiness.ready:
        raise ServiceUnavailableException(
            detail=f"The database is unreachable (cache: {cache}).",
            headers={"Retry-After": RETRY_READINESS_AFTER_SECONDS},
        )
    return ReadinessResponse(database="ok", cache=cache)
