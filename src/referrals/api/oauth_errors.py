"""Errors at the token endpoint, as RFC 6749 §5.2 has them: `error` and `error_description` beside the problem
members, so OAuth libraries (which read `error`) and problem-aware clients (which read `type` and `code`) both
understand them.

The endpoint authenticates no client, so `invalid_client` (the one 401 of §5.2) and `invalid_scope` (the scope
is ignored) are published but never sent.
"""

import re
from http import HTTPStatus
from typing import Literal

from referrals.api.schemas import FieldError, Problem

TokenError = Literal[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    # Not §5.2's, but registered (§4.1.2.1, §11.4): what OAuth libraries expect of a 5xx or a spent budget.
    "temporarily_unavailable",
    "server_error",
]
# The problem codes that mean "this grant is not good": the credentials, or the refresh token.
INVALID_GRANT_CODES = frozenset({"invalid-credentials", "invalid-refresh-token"})
# RFC 6749 §5.2: error_description is printable ASCII except '"' and '\'.
_OUTSIDE_DESCRIPTION_CHARACTERS = re.compile(r"[^\x20-\x21\x23-\x5b\x5d-\x7e]")


class TokenRequestRefused(Exception):
    """A token request the endpoint cannot read as a grant: the `error` of §5.2 and the fields at fault."""

    def __init__(self, error: TokenError, description: str, errors: list[FieldError]) -> None:
        super().__init__(description)
        self.error: TokenError = error
        self.description = description
        self.errors = errors

    @property
    def code(self) -> str:
        return self.error.replace("_", "-")


class TokenErrorProblem(Problem, frozen=True, kw_only=True):
    """An error of the OAuth 2.0 token endpoint (RFC 6749 §5.2) that is also an RFC 9457 problem document."""

    error: TokenError
    error_description: str | None = None


def token_error_of(problem: Problem) -> TokenError:
    if problem.code in INVALID_GRANT_CODES:
        return "invalid_grant"
    if problem.code == "unsupported-grant-type":
        return "unsupported_grant_type"
    if problem.status in {HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.SERVICE_UNAVAILABLE}:
        return "temporarily_unavailable"
    if problem.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return "server_error"
    return "invalid_request"


def as_token_error(problem: Problem) -> TokenErrorProblem:
    """The problem as the token endpoint answers it: a refused grant is a 400 (§5.2), not a 401."""
    error = token_error_of(problem)
    status = HTTPStatus.BAD_REQUEST if error == "invalid_grant" else HTTPStatus(problem.status)
    description = None if problem.detail is None else _OUTSIDE_DESCRIPTION_CHARACTERS.sub("", problem.detail)
    return TokenErrorProblem(
        error=error,
        type=problem.type,
        title=status.phrase,
        status=status,
        error_description=description,
        detail=problem.detail,
        instance=problem.instance,
        code=problem.code,
        errors=problem.errors,
    )
