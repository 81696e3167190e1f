"""A request id on every log line and every response, security headers, and one access-log line per request."""

import logging
import random
import re
import time
from contextvars import ContextVar

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from referrals.api import http_metrics
from referrals.api.docs import DOCS_CONTENT_SECURITY_POLICY, DOCS_PATH
from referrals.api.http_metrics import UNMEASURED_PATHS
from referrals.api.request_labels import method_label, route_label

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
# An id a client or proxy sent is kept only if it is short and plain: it ends up in every log line.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._\-]{1,64}")
access_logger = logging.getLogger("referrals.access")
_DOCS_PREFIX = f"{DOCS_PATH}/"


_REQUEST_ID = b"x-request-id"
_SECURITY = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]
# API answers are personal or change at once (a deleted code must vanish): no cache may keep them. No route
# sets a Cache-Control of its own, so this one is never a second.
_API_HEADERS = (
    *_SECURITY,
    (b"content-security-policy", API_CONTENT_SECURITY_POLICY.encode()),
    (b"cache-control", b"no-store"),
)
_DOCS_HEADERS = (*_SECURITY, (b"content-security-policy", DOCS_CONTENT_SECURITY_POLICY.encode()))


class RequestContext:
    """The outermost layer, around routing itself, so that every answer gets it (404s and docs included).

    Adopts the caller's X-Request-ID or makes one and makes it current for the request's logs; stamps
    the id and the security headers on the answer; then counts it and logs one access line.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _adopt_or_make_id(scope)
        token = current_request_id.set(request_id)
        path = scope["path"]
        stamp = (
            (_REQUEST_ID, request_id.encode()),
            *(_DOCS_HEADERS if path == DOCS_PATH or path.startswith(_DOCS_PREFIX) else _API_HEADERS),
        )
        status = 0

        async def stamped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *stamp]
            await send(message)

        try:
            await self._app(scope, receive, stamped)
        finally:
            # The route template, not the path: paths carry emails, which have no place in logs or metrics.
            route = route_label(scope)
            method = method_label(scope["method"])
            elapsed = time.perf_counter() - started
            if path not in UNMEASURED_PATHS:
                http_metrics.record(method, route, status, elapsed)
            if access_logger.isEnabledFor(logging.INFO):
                _log_access(request_id, method, route, status, elapsed)
            current_request_id.reset(token)


def _log_access(request_id: str, method: str, route: str, status: int, elapsed: float) -> None:
    access_logger.info(
        "%s %s %s",
        method,
        route,
        status,
        extra={
            "request_id": request_id,
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(elapsed * 1000, 2),
        },
    )


def _adopt_or_make_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _ACCEPTABLE_ID.fullmatch(candidate):
                return candidate
    # 128 random bits, as many as a UUID's, from the process's seeded generator (reseeded in every forked
    # worker). Not os.urandom, as uuid4 uses: its system call lets go of the GIL, and under Granian taking it
    # back behind the server's own threads is a measurable share of a request as cheap as /health.
    return f"{random.getrandbits(128):032x}"
