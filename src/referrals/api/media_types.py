"""A body in a media type the route does not read is a 415 that says which one it reads, not a parse error."""

from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException

JSON = "application/json"


def refuse_unsupported_media_type(request: Request[Any, Any, Any], expected: str) -> None:
    """Raise 415 unless the body is ``expected``; a body without a Content-Type is left to the parser."""
    if "data" not in request.route_handler.parsed_fn_signature.parameters:
        return
    content_type = request.headers.get("content-type")
    if content_type is None:
        return
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type == expected or (
        expected == JSON and media_type.startswith("application/") and media_type.endswith("+json")
    ):
        return
    raise HTTPException(
        status_code=415,
        detail=f"This route reads {expected}, not {media_type or 'an empty media type'}.",
        headers={"Accept-Post": expected},
    )
