"""Exceptions to problem documents: one table, one place."""

import logging
import math
import re
from http import HTTPStatus
from typing import Any
from uuid import uuid4

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from referrals.api.oauth_errors import TokenRequestRefused
from referrals.api.problems import problem_response
from referrals.api.request_labels import method_label, route_label
from referrals.api.schemas import FieldError
from referrals.api.webhook_errors import WEBHOOK_STATUSES
from referrals.application.errors import (
    ApplicationError,
    CodeCollision,
    EmailVerificationUnavailable,
    InsufficientScope,
    InvalidAccessToken,
    InvalidApiKey,
    InvalidCredentials,
    InvalidRefreshToken,
    NotReferrer,
    ProgrammeChanged,
    TooManyAttempts,
    UnknownAccount,
)
from referrals.application.idempotency import IdempotencyKeyInFlight, IdempotencyKeyReused
from referrals.domain.api_keys import ApiKeyNameTaken, ApiKeyNotFound, ApiKeyScopesRequired, InvalidApiKeyName
from referrals.domain.errors import (
    ActiveCodeExists,
    DisposableEmail,
    DomainError,
    EmailTaken,
    ExpiryNotInFuture,
    ExpiryTooFar,
    InvalidEmail,
    InvalidMaxUses,
    InvalidReferralCode,
    NoActiveCode,
    SelfReferral,
    UndeliverableEmail,
    WeakPassword,
)
from referrals.domain.programme_errors import (
    ConversionIdReused,
    ConversionInFuture,
    InvalidConversion,
    InvalidCurrency,
    InvalidDuration,
    InvalidEventType,
    InvalidRewardRule,
    InvalidVoidNote,
    ReferralAlreadyVoided,
    ReferralFlagged,
    ReferralNotFlagged,
    ReferralNotFound,
    RewardAlreadyRedeemed,
    RewardNotAvailable,
    RewardNotFound,
    RewardNotVoidable,
    UnknownConversionUser,
)

logger = logging.getLogger(__name__)
_MISSING_FIELD = re.compile(r"missing required field `(?P<field>[^`]+)`")

# Every refusal the API can meet has a status here; one that does not is a bug, answered as a 500 with an
# incident id (and caught by a test that walks every refusal the package defines).
Refusal = DomainError | ApplicationError
STATUS_BY_ERROR: dict[type[Refusal], HTTPStatus] = {
    InvalidEmail: HTTPStatus.UNPROCESSABLE_ENTITY,
    WeakPassword: HTTPStatus.UNPROCESSABLE_ENTITY,
    ExpiryNotInFuture: HTTPStatus.UNPROCESSABLE_ENTITY,
    ExpiryTooFar: HTTPStatus.UNPROCESSABLE_ENTITY,
    InvalidReferralCode: HTTPStatus.UNPROCESSABLE_ENTITY,
    SelfReferral: HTTPStatus.UNPROCESSABLE_ENTITY,
    DisposableEmail: HTTPStatus.UNPROCESSABLE_ENTITY,
    InvalidMaxUses: HTTPStatus.UNPROCESSABLE_ENTITY,
    EmailTaken: HTTPStatus.CONFLICT,
    ActiveCodeExists: HTTPStatus.CONFLICT,
    NoActiveCode: HTTPStatus.NOT_FOUND,
    InvalidCredentials: HTTPStatus.UNAUTHORIZED,
    InvalidRefreshToken: HTTPStatus.UNAUTHORIZED,
    InvalidAccessToken: HTTPStatus.UNAUTHORIZED,
    NotReferrer: HTTPStatus.FORBIDDEN,
    CodeCollision: HTTPStatus.SERVICE_UNAVAILABLE,
    EmailVerificationUnavailable: HTTPStatus.SERVICE_UNAVAILABLE,
    UndeliverableEmail: HTTPStatus.UNPROCESSABLE_ENTITY,
    TooManyAttempts: HTTPStatus.TOO_MANY_REQUESTS,
    InvalidApiKey: HTTPStatus.UNAUTHORIZED,
    InsufficientScope: HTTPStatus.FORBIDDEN,
    InvalidApiKeyName: HTTPStatus.UNPROCESSABLE_ENTITY,
    ApiKeyScopesRequired: HTTPStatus.UNPROCESSABLE_ENTITY,
    ApiKeyNameTaken: HTTPStatus.CONFLICT,
    ApiKeyNotFound: HTTPStatus.NOT_FOUND,
    UnknownAccount: HTTPStatus.NOT_FOUND,
    InvalidDuration: HTTPStatus.UNPROCESSABLE_ENTITY,
    InvalidCurrency: HTTPStatus.UNPROCESSABLE_ENTITY,
    InvalidEventType: HTTPStatus.UNPROCESSABLE_ENTITY,
    InvalidRewardRule: HTTPStatus.UNPROCESSABLE_ENTITY,
    ProgrammeChanged: HTTPStatus.CONFLICT,
    # Exactly one of two fields, or two together: rules the schema states only in words, so a request the
    # schema accepts meets them as a 422, as every such rule does here (400 means "breaks the schema").
    InvalidConversion: HTTPStatus.UNPROCESSABLE_ENTITY,
    ConversionInFuture: HTTPStatus.UNPROCESSABLE_ENTITY,
    ConversionIdReused: HTTPStatus.CONFLICT,
    UnknownConversionUser: HTTPStatus.UNPROCESSABLE_ENTITY,
    InvalidVoidNote: HTTPStatus.UNPROCESSABLE_ENTITY,
    ReferralNotFound: HTTPStatus.NOT_FOUND,
    ReferralAlreadyVoided: HTTPStatus.CONFLICT,
    ReferralNotFlagged: HTTPStatus.CONFLICT,
    ReferralFlagged: HTTPStatus.CONFLICT,
    RewardAlreadyRedeemed: HTTPStatus.CONFLICT,
    RewardNotFound: HTTPStatus.NOT_FOUND,
    RewardNotAvailable: HTTPStatus.CONFLICT,
    RewardNotVoidable: HTTPStatus.CONFLICT,
    IdempotencyKeyReused: HTTPStatus.UNPROCESSABLE_ENTITY,
    IdempotencyKeyInFlight: HTTPStatus.CONFLICT,
    **WEBHOOK_STATUSES,
}
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="referrals"'}

AnyRequest = Request[Any, Any, Any]


def status_of(error: Refusal) -> HTTPStatus | None:
    for error_type in type(error).__mro__:
        if error_type in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[error_type]
    return None


def on_refusal(request: AnyRequest, error: Refusal) -> Response[object]:
    status = status_of(error)
    if status is None:
        return on_unexpected_error(request, error)
    headers = BEARER_CHALLENGE if status == HTTPStatus.UNAUTHORIZED else None
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        headers = {"Retry-After": RETRY_UNAVAILABLE_AFTER_SECONDS}
    if isinstance(error, InsufficientScope):
        headers = insufficient_scope_challenge(error.scope)
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, int | float):
        # Whole seconds (RFC 9110), rounded up so that a client waiting exactly this long succeeds.
        headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}
    return problem_response(request, status, detail=error.message, code=error.code, headers=headers)


def insufficient_scope_challenge(scope: str | None) -> dict[str, str]:
    # RFC 6750 §3.1: the scope the caller would need, so an operator knows which key to use.
    challenge = 'Bearer error="insufficient_scope"'
    return {"WWW-Authenticate": challenge if scope is None else f'{challenge}, scope="{scope}"'}


def on_validation_error(request: AnyRequest, error: ValidationException) -> Response[object]:
    extra = error.extra if isinstance(error.extra, list) else []
    errors = [field_error(item) for item in extra if isinstance(item, dict)]
    detail = "The request does not match the documented schema."
    return problem_response(request, HTTPStatus.BAD_REQUEST, detail=detail, errors=errors or None)


def on_token_request_refused(request: AnyRequest, error: TokenRequestRefused) -> Response[object]:
    return problem_response(
        request, HTTPStatus.BAD_REQUEST, detail=error.description, code=error.code, errors=error.errors
    )


def field_error(item: dict[str, Any]) -> FieldError:
    message = str(item.get("message"))
    # For a missing field Litestar reports the whole body ("data") as the key; name the field instead.
    missing = _MISSING_FIELD.search(message)
    key = missing["field"] if missing and item.get("key") == "data" else item.get("key")
    return FieldError(message=message, key=key, source=item.get("source"))


def on_http_error(request: AnyRequest, error: HTTPException) -> Response[object]:
    status = error.status_code
    headers = dict(error.headers or {})
    if status == HTTPStatus.UNAUTHORIZED:
        headers.update(BEARER_CHALLENGE)
    # Litestar's default detail for a bare status is its phrase; repeating the title says nothing.
    detail = None if error.detail == HTTPStatus(status).phrase else error.detail
    return problem_response(request, status, detail=detail, headers=headers)


RETRY_UNAVAILABLE_AFTER_SECONDS = "5"


def on_dependency_unavailable(request: AnyRequest, error: Exception) -> Response[object]:
    """The database (or another dependency the request needs) did not answer in time: worth retrying soon."""
    # The route's template, not the path: a path can hold an email.
    logger.warning(
        "%s %s: a dependency is unavailable: %s: %s",
        method_label(request.method),
        route_label(request.scope),
        type(error).__name__,
        error,
    )
    return problem_response(
        request,
        HTTPStatus.SERVICE_UNAVAILABLE,
        detail="The service is temporarily unavailable; try again shortly.",
        headers={"Retry-After": RETRY_UNAVAILABLE_AFTER_SECONDS},
    )


def on_undecodable_body(request: AnyRequest, _error: Exception) -> Response[object]:
    # The JSON decoder lets these through for bodies nested thousands deep or not valid UTF-8.
    return problem_response(request, HTTPStatus.BAD_REQUEST, detail="The request body could not be decoded.")


def on_unexpected_error(request: AnyRequest, error: Exception) -> Response[object]:
    incident = f"urn:uuid:{uuid4()}"
    logger.error(
        "unhandled error in %s %s, incident %s",
        method_label(request.method),
        route_label(request.scope),
        incident,
        exc_info=error,
    )
    return problem_response(
        request,
        HTTPStatus.INTERNAL_SERVER_ERROR,
        detail="An unexpected error occurred; it has been logged.",
        instance=incident,
    )


exception_handlers: ExceptionHandlersMap = {
    DomainError: on_refusal,
    ApplicationError: on_refusal,
    ValidationException: on_validation_error,
    TokenRequestRefused: on_token_request_refused,
    HTTPException: on_http_error,
    RecursionError: on_undecodable_body,
    UnicodeDecodeError: on_undecodable_body,
    Exception: on_unexpected_error,
}
