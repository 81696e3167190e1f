from litestar import get

from referrals.api.schemas import HealthResponse


@get("/health", tags=["operations"], cache_control=None)
async def health() -> HealthResponse:
    """Liveness: the process answers. Touches no dependency."""
    return HealthResponse()
