"""A body that never completes is the client's fault: a 400 (or a 408 when it is too slow), never a 5xx.

Called through the ASGI interface itself, with the messages a server sends when a body is cut short or
malformed (`http.disconnect` before the last chunk) or stops arriving, as no HTTP client library can.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from litestar import Litestar

from referrals.bootstrap.app import create_app
from tests.api.conftest import serving
from tests.conftest import make_settings

Message = dict[str, Any]
BODY_ROUTES = [
    ("/auth/register", b"application/json"),
    ("/register-with-referral", b"application/json"),
    ("/auth/refresh", b"application/json"),
    ("/auth/login", b"application/x-www-form-urlencoded"),
]


@pytest.fixture
async def app(sqlite_url: str) -> AsyncIterator[Litestar]:
    application = create_app(make_settings(sqlite_url, request_body_timeout=0.5))
    async with serving(application):
        yield application


def http_scope(path: str, content_type: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", content_type), (b"content-length", b"100")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }


async def call(app: Litestar, path: str, content_type: bytes, receive: Callable[[], Awaitable[Message]]) -> Message:
    """The response's start message, with its body decoded."""
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    # A bound, not a measurement: a request that never ends would otherwise hang the suite.
    async with asyncio.timeout(10):
        await app(http_scope(path, content_type), receive, send)  # type: ignore[arg-type]
    start = next(message for message in sent if message["type"] == "http.response.start")
    body = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return {**start, "json": json.loads(body), "headers": dict(start["headers"])}


def cut_short() -> Callable[[], Awaitable[Message]]:
    """What a server delivers for a body that ends early or whose chunk framing is garbage."""
    messages: list[Message] = [
        {"type": "http.request", "body": b'{"email', "more_body": True},
        {"type": "http.disconnect"},
    ]
    pending = iter(messages)

    async def receive() -> Message:
        return next(pending)

    return receive


def stalled() -> Callable[[], Awaitable[Message]]:
    """A body that starts and then never goes on."""
    first = True

    async def receive() -> Message:
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b'{"email', "more_body": True}
        await asyncio.Event().wait()
        raise AssertionError

    return receive


@pytest.mark.parametrize(("path", "content_type"), BODY_ROUTES)
async def test_a_body_cut_short_is_a_400_problem(app: Litestar, path: str, content_type: bytes) -> None:
    response = await call(app, path, content_type, cut_short())

    assert response["status"] == 400
    assert response["headers"][b"content-type"].startswith(b"application/problem+json")
    assert response["json"]["status"] == 400


@pytest.mark.parametrize(("path", "content_type"), BODY_ROUTES)
async def test_a_body_that_stops_arriving_is_a_408_problem_that_closes_the_connection(
    app: Litestar, path: str, content_type: bytes
) -> None:
    response = await call(app, path, content_type, stalled())

    assert response["status"] == 408
    assert response["json"]["status"] == 408
    assert response["headers"][b"connection"] == b"close"
