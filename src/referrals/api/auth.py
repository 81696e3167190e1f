"""Bearer authentication, checked by the preflight hook so a protected route refuses before it reads the body."""

from typing import Any
from uuid import UUID

from litestar import Request
from litestar.connection import ASGIConnection

from referrals.application.errors import InvalidAccessToken
from referrals.application.ports.accounts import AccessTokens

CALLER_KEY = "referrals.caller_id"
# Both schemes are published: Swagger UI's Authorize uses the OAuth2 one, generic clients the plain bearer one.
BEARER_SECURITY: list[dict[str, list[str]]] = [{"OAuth2PasswordBearer": []}, {"BearerToken": []}]


def authenticate(request: Request[Any, Any, Any], access_tokens: AccessTokens) -> None:
    """Verify the bearer token and remember its subject for ``caller_id``, or raise ``InvalidAccessToken``."""
    scheme, _space, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidAccessToken
    request.scope[CALLER_KEY] = access_tokens.verify(token.strip())  # type: ignore[literal-required]


def caller_id(connection: ASGIConnection[Any, Any, Any, Any]) -> UUID:
    """The authenticated caller; only meaningful on routes whose policy requires a token."""
    caller: UUID = connection.scope[CALLER_KEY]  # type: ignore[literal-required]
    return caller
