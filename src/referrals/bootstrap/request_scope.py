"""A dishka request scope per HTTP request, as ``dishka.integrations.litestar.setup_dishka`` opens one, minus
the reference cycle it leaves behind.

The request container refers to the request, the request to its ASGI scope, and the scope's state back to
the container. Every request then leaves a cycle that only the cyclic garbage collector frees, and under
load its passes took 20 to 80 ms each: the whole latency tail. Dropping the scope's reference when the
request ends lets reference counting free everything at once.
"""

from typing import Any

from dishka import AsyncContainer, Scope
from litestar import Litestar, Request
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Send
from litestar.types import Scope as ASGIScope


def open_request_scopes(container: AsyncContainer, app: Litestar) -> None:
    """Give every HTTP request a child of ``container`` at ``request.state.dishka_container``, for ``@inject``."""
    app.state.dishka_container = container
    app.asgi_handler = _with_request_container(app.asgi_handler, container)


def _with_request_container(app: ASGIApp, container: AsyncContainer) -> ASGIApp:
    async def handle(scope: ASGIScope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = Request(scope)
        async with container({Request: request}, scope=Scope.REQUEST) as request_container:
            request.state.dishka_container = request_container
            try:
                await app(scope, receive, send)
            finally:
                del request.state.dishka_container

    return handle
