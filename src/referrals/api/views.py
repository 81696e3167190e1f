"""Domain and application results rendered as wire structs."""

import logging
from http import HTTPStatus
from typing import Any
from uuid import UUID

from dishka import AsyncContainer
from litestar import Request, Response
from litestar.background_tasks import BackgroundTask

from referrals.api.injection import app_container
from referrals.api.schemas import MeResponse, ProfileResponse, TokenResponse, UserResponse
from referrals.application.sessions import TokenPair
from referrals.application.use_cases.enrich_profile import EnrichProfile
from referrals.domain.user import User

logger = logging.getLogger(__name__)

# Token responses must never be stored by a cache on the way (RFC 6749 §5.1): every API answer carries
# Cache-Control: no-store (see the request context); Pragma is for HTTP/1.0 caches.
PRAGMA_NO_CACHE = {"Pragma": "no-cache"}


def user_view(user: User) -> UserResponse:
    return UserResponse(id=user.id, email=user.email, referrer_id=user.referrer_id, created_at=user.created_at)


def me_view(user: User) -> MeResponse:
    enriched = user.profile
    profile = None
    if enriched is not None:
        profile = ProfileResponse(
            full_name=enriched.profile.full_name,
            company=enriched.profile.company,
            title=enriched.profile.title,
            location=enriched.profile.location,
            avatar_url=enriched.profile.avatar_url,
            enriched_at=enriched.enriched_at,
            source=enriched.source,
        )
    return MeResponse(
        id=user.id, email=user.email, referrer_id=user.referrer_id, created_at=user.created_at, profile=profile
    )


def registered_response(user: User, request: Request[Any, Any, Any]) -> Response[UserResponse]:
    """201 with the new user; the profile enrichment runs once the response is on its way."""
    return Response(
        user_view(user),
        status_code=HTTPStatus.CREATED,
        background=BackgroundTask(enrich_in_background, app_container(request), user.id, user.email),
    )


async def enrich_in_background(container: AsyncContainer, user_id: UUID, email: str) -> None:
    # A scope of its own: the request's session is closed by now, and nothing here may reach the client.
    try:
        async with container() as request_container:
            enrich = await request_container.get(EnrichProfile)
            await enrich(user_id, email)
    except Exception:
        logger.exception("profile enrichment failed")


def token_response(pair: TokenPair) -> Response[TokenResponse]:
    body = TokenResponse(access_token=pair.access_token, expires_in=pair.expires_in, refresh_token=pair.refresh_token)
    return Response(body, headers=PRAGMA_NO_CACHE)
