"""Operator routes: who is calling (a user's access token or an ``rk_`` API key), and the scope a route needs.

Operator routes declare ``guards=[requires_scope(Scope.X)]`` and ``security=API_KEY_SECURITY``. Litestar runs
guards before it reads a body, so a caller without the scope is refused before a byte of it is read.
"""

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from referrals.api.injection import app_container
from referrals.application.errors import InsufficientScope, InvalidAccessToken
from referrals.application.ports.accounts import AccessTokens
from referrals.application.ports.operators import Caller, KeyCaller, UserCaller
from referrals.application.use_cases.authenticate_api_key import AuthenticateApiKey
from referrals.domain.api_keys import Scope, is_api_key

API_KEY_SCHEME = "ApiKey"
API_KEY_SECURITY: list[dict[str, list[str]]] = [{API_KEY_SCHEME: []}]
_CALLER = "referrals.operator_caller"

AnyConnection = ASGIConnection[Any, Any, Any, Any]


async def authenticated_caller(request: AnyConnection) -> Caller:
    """The caller a bearer credential proves: a key in force, or a user with a valid access token.

    Raises ``InvalidApiKey`` for a key unknown or revoked, ``InvalidAccessToken`` for anything else (401 both).
    """
    found = request.scope.get(_CALLER)
    if isinstance(found, UserCaller | KeyCaller):
        return found
    scheme, _space, credential = request.headers.get("authorization", "").partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise InvalidAccessToken
    container = app_container(request)
    caller: Caller
    if is_api_key(credential):
        authenticate = await container.get(AuthenticateApiKey)
        caller = await authenticate(credential)
    else:
        access_tokens = await container.get(AccessTokens)
        caller = UserCaller(user_id=access_tokens.verify(credential))
    request.scope[_CALLER] = caller  # type: ignore[literal-required]
    return caller


def requires_scope(scope: Scope) -> Guard:
    """A guard for an operator route: 401 without valid credentials, 403 ``insufficient-scope`` for a key
    without ``scope`` or for a user's access token (users are never operators)."""

    async def guard(connection: AnyConnection, _handler: BaseRouteHandler) -> None:
        caller = await authenticated_caller(connection)
        if not (isinstance(caller, KeyCaller) and caller.has(scope)):
            raise InsufficientScope(scope=scope)

    guard.__name__ = f"requires_scope_{scope.name.lower()}"
    return guard


def operator_key(connection: AnyConnection) -> KeyCaller:
    """The key a guarded operator route was called with (only meaningful behind ``requires_scope``)."""
    caller = connection.scope[_CALLER]  # type: ignore[literal-required]
    if not isinstance(caller, KeyCaller):
        msg = "operator_key() on a route without requires_scope"
        raise TypeError(msg)
    return caller
