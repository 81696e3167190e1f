from http import HTTPStatus
from typing import Annotated, Any

from dishka import FromDishka
from litestar import Request, Response, Router, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody

from referrals.api.auth import BEARER_SECURITY, caller_id
from referrals.api.clients import ClientIdentity
from referrals.api.idempotency import IdempotencyKey, answer_once, client_owner
from referrals.api.injection import inject
from referrals.api.oauth_errors import TokenErrorProblem, as_token_error
from referrals.api.openapi_operations import PublicOperation
from referrals.api.preflight import route_policy
from referrals.api.problems import problem_responses, problem_shape
from referrals.api.rate_limits import Budget, ClientBudgets, spend
from referrals.api.schemas import RefreshRequest, RegisterRequest, TokenResponse, UserResponse
from referrals.api.token_form import RefreshTokenGrant, TokenRequest, decode_token_request, is_token_request
from referrals.api.views import registered_response, token_response
from referrals.application.idempotency import IdempotentRequests
from referrals.application.use_cases.log_in import Credentials, LogIn
from referrals.application.use_cases.log_out import LogOut
from referrals.application.use_cases.refresh_session import RefreshSession
from referrals.application.use_cases.register_user import RegisterUser, Registration


@post(
    "/register",
    operation_id="register",
    operation_class=PublicOperation,
    status_code=HTTPStatus.CREATED,
    opt=route_policy(budget=Budget.REGISTRATIONS),
    responses=problem_responses(400, 408, 409, 413, 415, 422, 429, 503),
)
@inject
async def register(
    request: Request[Any, Any, Any],
    data: JSONBody[RegisterRequest],
    register_user: FromDishka[RegisterUser],
    idempotent: FromDishka[IdempotentRequests],
    clients: FromDishka[ClientIdentity],
    idempotency_key: IdempotencyKey = None,
) -> Response[UserResponse]:
    """Create an account. The email is stored in canonical form (trimmed, NFKC, lower-case), and checked with
    the email verifier when one is configured."""
    registration = Registration(email=data.email, password=data.password, client=clients.of(request.scope))

    async def run() -> Response[UserResponse]:
        return registered_response(await register_user(registration), request)

    return await answer_once(request, idempotency_key, idempotent, client_owner, run)


@post(
    "/login",
    operation_id="logIn",
    operation_class=PublicOperation,
    status_code=HTTPStatus.OK,
    # A refused grant is a 400 (RFC 6749 §5.2); no client is authenticated, so there is no 401 (invalid_client).
    responses=problem_responses(400, 408, 413, 415, 429, 503, schema=TokenErrorProblem),
    summary="OAuth 2.0 token endpoint",
    opt={**route_policy(body=RequestEncodingType.URL_ENCODED.value), **problem_shape(as_token_error)},
    type_decoders=[(is_token_request, decode_token_request)],
)
@inject
async def login(
    request: Request[Any, Any, Any],
    data: Annotated[TokenRequest, Body(media_type=RequestEncodingType.URL_ENCODED)],
    log_in: FromDishka[LogIn],
    refresh_session: FromDishka[RefreshSession],
    clients: FromDishka[ClientIdentity],
    budgets: FromDishka[ClientBudgets],
) -> Response[TokenResponse]:
    """Password grant (`username` is the email) or refresh-token grant; `client_id`, `client_secret` and `scope`
    are accepted and ignored. Answers an access token and a refresh token that rotates on every use.

    Errors are RFC 6749 §5.2 token errors (`error`, `error_description`) that are problem documents too: a wrong
    password or a spent refresh token is `invalid_grant`, a missing or malformed parameter `invalid_request`.
    Failed password attempts are budgeted per client and per account and client, refresh-token grants per client
    (with `POST /auth/refresh`); a spent budget answers 429 with `Retry-After`."""
    grant = data.grant()
    if isinstance(grant, RefreshTokenGrant):
        # The grant is only known once the form is read, so this budget is spent here rather than before.
        await spend(request, Budget.REFRESHES, budgets)
        pair = await refresh_session(grant.refresh_token)
    else:
        credentials = Credentials(email=grant.username, password=grant.password, client=clients.of(request.scope))
        pair = await log_in(credentials)
    return token_response(pair)


@post(
    "/refresh",
    operation_id="refreshSession",
    operation_class=PublicOperation,
    status_code=HTTPStatus.OK,
    opt=route_policy(budget=Budget.REFRESHES),
    responses=problem_responses(400, 401, 408, 413, 415, 429, 503),
)
@inject
async def refresh(
    data: JSONBody[RefreshRequest], refresh_session: FromDishka[RefreshSession]
) -> Response[TokenResponse]:
    """Exchange a refresh token for a new pair. The presented token dies; presenting it again revokes its chain.
    Refreshes are budgeted per client, with the token endpoint's refresh grant."""
    return token_response(await refresh_session(data.refresh_token))


@post(
    "/logout",
    operation_id="logOut",
    status_code=HTTPStatus.NO_CONTENT,
    opt=route_policy(token=True),
    security=BEARER_SECURITY,
    responses=problem_responses(400, 401, 408, 413, 415, 503),
)
@inject
async def logout(request: Request[Any, Any, Any], data: JSONBody[RefreshRequest], log_out: FromDishka[LogOut]) -> None:
    """Revoke the session the refresh token belongs to. Access tokens already issued expire on their own."""
    await log_out(caller_id(request), data.refresh_token)


router = Router(path="/auth", route_handlers=[register, login, refresh, logout], tags=["auth"])
