"""RFC 9457 problem documents: the one shape every error response takes."""

from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any, Protocol

from litestar import Request, Response
from litestar.openapi.datastructures import ResponseSpec

from referrals.api.schemas import FieldError, Problem

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:problem-type:referrals:"
_SHAPE = "referrals.problem_shape"


class ShapedProblem(Protocol):
    @property
    def status(self) -> int: ...

    def to_dict(self) -> dict[str, Any]: ...


ProblemShape = Callable[[Problem], ShapedProblem]


def problem_shape(shape: ProblemShape) -> dict[str, Any]:
    """Route ``opt`` for a route whose problems take another shape (more members, another status) than plain."""
    return {_SHAPE: shape}


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
    headers = dict(headers or {})
    route_handler = request.scope.get("route_handler")
    shape: ProblemShape | None = route_handler.opt.get(_SHAPE) if route_handler is not None else None
    shaped: ShapedProblem = problem if shape is None else shape(problem)
    if status == HTTPStatus.UNAUTHORIZED and shaped.status != status:
        # The challenge belongs to a 401 only (RFC 9110 §11.6.1).
        headers = {name: value for name, value in headers.items() if name.lower() != "www-authenticate"}
    return Response(content=shaped.to_dict(), status_code=shaped.status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def problem_responses(*statuses: int, schema: type[Any] = Problem) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the error statuses a route can answer with."""
    return {
        status: ResponseSpec(
            data_container=schema,
            description=HTTPStatus(status).description or HTTPStatus(status).phrase,
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status in statuses
    }
