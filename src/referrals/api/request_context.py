"""A request id on every log line and every response, security headers, and one access-log line per request."""

import logging
import re
import time
import uuid
from contextvars import ContextVar
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from referrals.api.docs import DOCS_CONTENT_SECURITY_POLICY, DOCS_PATH

REQUEST_ID_HEADER = "X-Request-ID"
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)

# Sent with every response: an API answer is never a page to sniff, frame or leak a referrer from.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# Nothing an API answer could load or run, nor anyone frame it.
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
_STATE_KEY = "referrals.request"
# An id a client or proxy sent is kept only if it is short and plain: it ends up in every log line.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._\-]{1,64}")
access_logger = logging.getLogger("referrals.access")


class RequestContextMiddleware(ASGIMiddleware):
    """Adopts the caller's X-Request-ID or makes one, and makes it current for the request's logs."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request_id = _request_state(scope)["id"]
        token = current_request_id.set(request_id)
        try:
            await next_app(scope, receive, send)
        finally:
            current_request_id.reset(token)


async def stamp_response(message: Message, scope: Scope) -> None:
    """A before-send hook, so that every response is stamped, error responses and unknown routes included."""
    if scope["type"] != ScopeType.HTTP:
        return
    state = _request_state(scope)
    if message["type"] == "http.response.start":
        state["status"] = message["status"]
        headers = MutableScopeHeaders.from_message(message)
        headers.add(REQUEST_ID_HEADER, state["id"])
        for name, value in SECURITY_HEADERS.items():
            headers.add(name, value)
        is_docs = scope["path"] == DOCS_PATH or scope["path"].startswith(f"{DOCS_PATH}/")
        headers.add("Content-Security-Policy", DOCS_CONTENT_SECURITY_POLICY if is_docs else API_CONTENT_SECURITY_POLICY)
        if not is_docs and "cache-control" not in headers:
            # API answers are personal or change at once (a deleted code must vanish): no cache may keep them.
            headers.add("Cache-Control", "no-store")
    elif (
        message["type"] == "http.response.body"
        and not message.get("more_body", False)
        and access_logger.isEnabledFor(logging.INFO)
    ):
        # The route template, not the path: paths carry emails, which have no place in logs.
        route = scope.get("path_template") or "<unmatched>"
        access_logger.info(
            "%s %s %s",
            scope["method"],
            route,
            state.get("status"),
            extra={
                "request_id": state["id"],
                "method": scope["method"],
                "route": route,
                "status": state.get("status"),
                "duration_ms": round((time.perf_counter() - state["started"]) * 1000, 2),
            },
        )


def _request_state(scope: Scope) -> dict[str, Any]:
    extensions: dict[str, Any] = scope.setdefault("extensions", {}) or {}
    state: dict[str, Any] | None = extensions.get(_STATE_KEY)
    if state is None:
        state = {"id": _adopt_or_make_id(scope), "started": time.perf_counter()}
        extensions[_STATE_KEY] = state
        scope["extensions"] = extensions
    return state


def _adopt_or_make_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _ACCEPTABLE_ID.fullmatch(candidate):
                return candidate
    return uuid.uuid4().hex
