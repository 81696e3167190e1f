"""Domain and application results rendered as wire structs."""

from typing import Any

from litestar import Response

from referrals.api.schemas import TokenResponse, UserResponse
from referrals.application.sessions import TokenPair
from referrals.domain.user import User

# Token responses must never be stored by a cache on the way (RFC 6749 §5.1).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def user_view(user: User) -> UserResponse:
    return UserResponse(id=user.id, email=user.email, referrer_id=user.referrer_id, created_at=user.created_at)


def token_response(pair: TokenPair) -> Response[Any]:
    body = TokenResponse(access_token=pair.access_token, expires_in=pair.expires_in, refresh_token=pair.refresh_token)
    return Response(body, headers=NO_STORE)
