"""A body in a media type the route does not read is a 415 that says which one it reads, not a parse error."""

from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException

# Route ``opt`` key naming the media type of the route's body, for the routes that read something else.
BODY_MEDIA_TYPE = "body_media_type"
JSON = "application/json"


async def refuse_unsupported_media_types(request: Request[Any, Any, Any]) -> None:
    """A before-request hook. A body without a Content-Type is left to the parser, as clients often omit it."""
    handler = request.route_handler
    if "data" not in handler.parsed_fn_signature.parameters:
        return
    content_type = request.headers.get("content-type")
    if content_type is None:
        return
    media_type = content_type.partition(";")[0].strip().lower()
    expected = handler.opt.get(BODY_MEDIA_TYPE, JSON)
    if media_type == expected or (
        expected == JSON and media_type.startswith("application/") and media_type.endswith("+json")
    ):
        return
    raise HTTPException(
        status_code=415,
        detail=f"This route reads {expected}, not {media_type or 'an empty media type'}.",
        headers={"Accept-Post": expected},
    )
