"""A request body arrives whole and in time, or the client hears why not: 400 or 408, never a 5xx.

Litestar reads bodies from the ASGI ``receive`` channel and answers a body that ends in
``http.disconnect`` (cut short, or framed so badly that the server gives up on it) with a 500, and waits
for a body that trickles in for as long as it takes. Both are decided here, on the channel itself, for
every route that reads a body, before Litestar sees a message.
"""

import asyncio
from http import HTTPStatus

from litestar.enums import ScopeType
from litestar.exceptions import ClientException, HTTPException
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send


class IncompleteRequestBody(ClientException):
    """The body ended before it was complete: a short body, bad chunk framing, or a client that went away."""

    detail = "The request body ended before it was complete."


class RequestBodyTimeout(HTTPException):
    status_code = HTTPStatus.REQUEST_TIMEOUT
    detail = "The request body did not arrive in time."

    def __init__(self) -> None:
        # The rest of the body may still be on its way: the connection cannot carry another request.
        super().__init__(headers={"Connection": "close"})


class RequestBodyGuard:
    """Bounds the time a request's body may take, counted from the request's start, and turns a body that
    ends early into a client error. Once the body is complete, ``receive`` is passed through untouched."""

    def __init__(self, app: ASGIApp, timeout: float) -> None:
        self._app = app
        self._timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self._timeout
        complete = False

        async def guarded() -> ReceiveMessage:
            nonlocal complete
            if complete:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise RequestBodyTimeout from None
            if message["type"] == "http.disconnect":
                raise IncompleteRequestBody
            if not message.get("more_body", False):
                complete = True
            return message

        await self._app(scope, guarded, send)
