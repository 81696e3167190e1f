"""RFC 9457 problem documents: the one shape every error response takes."""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.openapi.datastructures import ResponseSpec

from referrals.api.schemas import FieldError, Problem

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:problem-type:referrals:"


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    *,
    detail: str | None = None,
    code: str | None = None,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
    instance: str | None = None,
) -> Response[object]:
    problem = Problem(
        # "about:blank" says the status code is the whole story (RFC 9457 §4.2.1); codes name our own types.
        type="about:blank" if code is None else PROBLEM_TYPE_PREFIX + code,
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=instance or request.url.path,
        code=code,
        errors=errors,
    )
    return Response(
        content=problem.to_dict(),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the error statuses a route can answer with."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=HTTPStatus(status).description or HTTPStatus(status).phrase,
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status in statuses
    }
