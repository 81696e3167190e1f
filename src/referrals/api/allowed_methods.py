"""The answer to OPTIONS on a path that more than one handler serves.

Litestar answers OPTIONS with an Allow header built from the handlers registered in the same call, and a
router registers its handlers one call each: on a path with a GET and a PUT handler, Allow would name only the
first. A path with several handlers registers this one before them instead.
"""

from http import HTTPStatus

from litestar import Response, route
from litestar.handlers import HTTPRouteHandler


def options_for(path: str, *handlers: HTTPRouteHandler) -> HTTPRouteHandler:
    """An OPTIONS handler for ``path`` whose Allow header names every method of ``handlers``, and OPTIONS."""
    allowed = ", ".join(sorted({"OPTIONS", *(method for handler in handlers for method in handler.http_methods)}))

    def options() -> Response[None]:
        return Response(None, status_code=HTTPStatus.NO_CONTENT, headers={"Allow": allowed})

    return route(path, http_method="OPTIONS", include_in_schema=False, sync_to_thread=False)(options)
