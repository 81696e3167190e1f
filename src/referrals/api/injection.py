"""Route handlers' dependencies, resolved from the one dishka container only by the handlers that have any.

``inject`` opens a dishka REQUEST scope around the handler alone (a session, the repositories on it, the use
cases built on them) and closes it when the handler returns, so the session is back in its pool before the
answer is sent. ``inject_app_wide`` serves handlers whose dependencies all live as long as the app: they
open no scope at all. Routes without dependencies (health, docs) pay nothing, and no request ever holds a
reference to its scope, so no request leaves a cycle for the garbage collector.
"""

from collections.abc import Callable
from inspect import Parameter, signature
from typing import Any, Final, ParamSpec, TypeVar

from dishka import AsyncContainer, Scope
from dishka.integrations.base import wrap_injection
from litestar import Litestar, Request
from litestar.connection import ASGIConnection

P = ParamSpec("P")
T = TypeVar("T")
_REQUEST: Final = "request"


def attach_container(app: Litestar, container: AsyncContainer) -> None:
    """Make ``container`` (APP scope) the one every injected handler of ``app`` resolves from."""
    app.state.dishka_container = container


def app_container(request: ASGIConnection[Any, Any, Any, Any]) -> AsyncContainer:
    return container_of(request.app)


def container_of(app: Litestar) -> AsyncContainer:
    """The container ``attach_container`` gave the app (for code that has the app but no request: tests)."""
    container: AsyncContainer = app.state.dishka_container
    return container


def inject(func: Callable[P, T]) -> Callable[P, T]:
    """Resolve ``FromDishka`` parameters in a REQUEST scope of the handler's own."""
    return wrap_injection(
        func=func,
        is_async=True,
        additional_params=_request_parameter(func),
        container_getter=_app_container_of_call,
        scope=Scope.REQUEST,
    )


def inject_app_wide(func: Callable[P, T]) -> Callable[P, T]:
    """Resolve ``FromDishka`` parameters from the app container: for handlers whose dependencies are all APP-scoped.

    Asking it for anything shorter-lived fails on the first call, which every route's test makes.
    """
    return wrap_injection(
        func=func,
        is_async=True,
        additional_params=_request_parameter(func),
        container_getter=_app_container_of_call,
    )


def _request_parameter(func: Callable[..., Any]) -> list[Parameter]:
    # The request is how a handler reaches the container; Litestar passes it to any handler that names it.
    if _REQUEST in signature(func).parameters:
        return []
    return [Parameter(_REQUEST, Parameter.KEYWORD_ONLY, annotation=Request)]


def _app_container_of_call(_args: tuple[Any, ...], kwargs: dict[str, Any]) -> AsyncContainer:
    return app_container(kwargs[_REQUEST])
