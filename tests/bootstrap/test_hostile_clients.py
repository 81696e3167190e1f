"""The production server, spoken to over raw sockets as no well-behaved client would: broken framing, bodies
cut short or trickled, connections left idle, methods nobody has heard of. None of it is a 5xx, none of it
grows a log line or `/metrics` without bound, and every connection it leaves hanging is closed in the end."""

import os
import random
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_JWT_SECRET
from tests.processes import RunningServer, migrate_with_cli, running_server
from tests.wire import exchange

# Short, so that the tests of slow and idle connections end soon; each one stops by itself.
BODY_TIMEOUT = "1"
HEADERS_TIMEOUT = "1"
SERIES = re.compile(r"^referrals_http_requests_total\{(?P<labels>[^}]*)\}", re.MULTILINE)


@dataclass
class Served:
    server: RunningServer
    log: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("hostile")
    environment = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{root / 'referrals.sqlite3'}",
        "JWT_SECRET": TEST_JWT_SECRET,
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "64",
        "RATE_LIMIT_REGISTRATIONS_PER_CLIENT": "0",
        "RATE_LIMIT_LOGIN_FAILURES_PER_CLIENT": "0",
        "REQUEST_BODY_TIMEOUT": BODY_TIMEOUT,
        "REQUEST_HEADERS_TIMEOUT": HEADERS_TIMEOUT,
    }
    migrate_with_cli({**os.environ, **environment})
    log = root / "server.log"
    with running_server(environment, root, log) as server:
        yield Served(server, log)


def post(path: str, headers: str) -> bytes:
    media_type = "application/x-www-form-urlencoded" if path == "/auth/login" else "application/json"
    return f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: {media_type}\r\n{headers}\r\n".encode()


def series(base_url: str) -> list[str]:
    return SERIES.findall(httpx.get(f"{base_url}/metrics", timeout=5).text)


def server_errors(base_url: str) -> list[str]:
    return [labels for labels in series(base_url) if 'status_code="5' in labels]


# Every route that reads a body before it asks for anything else (logout wants its token first).
BODY_ROUTES = ["/auth/register", "/register-with-referral", "/auth/refresh", "/auth/login"]


@pytest.mark.parametrize("path", BODY_ROUTES)
def test_a_malformed_chunk_size_is_a_400_not_a_server_error(served: Served, path: str) -> None:
    sent = exchange(served.server.port, post(path, "Transfer-Encoding: chunked\r\n"), b"zz\r\n")

    assert sent.status == 400, sent.answer
    assert b"application/problem+json" in sent.answer
    assert server_errors(served.server.url) == []


@pytest.mark.parametrize("path", BODY_ROUTES)
def test_a_body_shorter_than_its_length_then_a_half_close_is_a_400_not_a_server_error(
    served: Served, path: str
) -> None:
    sent = exchange(served.server.port, post(path, "Content-Length: 100\r\n"), b'{"email"', half_close=True)

    assert sent.status in {400, None}, sent.answer  # None: nothing answered, and the connection closed
    assert sent.closed
    assert server_errors(served.server.url) == []


def test_a_body_trickled_too_slowly_is_cut_off_with_a_408(served: Served) -> None:
    trickle = [bytes([byte]) for byte in b'{"email": "slow@example.com", "password": "correct horse battery"}']

    sent = exchange(
        served.server.port, post("/auth/register", f"Content-Length: {len(trickle)}\r\n"), *trickle, pause=0.1
    )

    assert sent.status == 408, sent.answer
    assert sent.closed


def test_an_idle_kept_alive_connection_is_closed_by_the_server(served: Served) -> None:
    sent = exchange(served.server.port, b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")

    assert sent.status == 200
    assert sent.closed, "the connection was still open when the test stopped waiting"


def test_headers_trickled_too_slowly_are_cut_off(served: Served) -> None:
    sent = exchange(
        served.server.port, *[bytes([byte]) for byte in b"GET /health HTTP/1.1\r\nHost: test\r\n"], pause=0.2
    )

    assert sent.closed
    assert sent.status != 200


def invented_method(length: int) -> str:
    return "X" + "".join(random.choices(string.ascii_uppercase, k=length - 1))


def test_invented_methods_neither_grow_metrics_nor_log_lines(served: Served) -> None:
    before = set(series(served.server.url))
    methods = [invented_method(12) for _ in range(300)] + [invented_method(60_000)]

    statuses = [
        exchange(
            served.server.port, f"{method} /auth/register HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".encode()
        ).status
        for method in methods
    ]

    after = set(series(served.server.url))
    assert all(status is not None and status < 500 for status in statuses), set(statuses)
    assert len(after - before) <= 1, sorted(after - before)
    assert not any(method in labels for labels in after for method in methods)
    longest = max(len(line) for line in served.log.read_text().splitlines())
    assert longest < 1000, f"a log line of {longest} characters"


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /health HTTP/1.1\r\nHost: test\r\n" + b"".join(b"X-%d: a\r\n" % n for n in range(200)) + b"\r\n", 431),
    ],
    ids=["unparseable", "too-many-headers"],
)
def test_the_servers_own_refusals_are_empty_and_close_the_connection(
    served: Served, request_: bytes, status: int
) -> None:
    # Granian answers these before the app sees a request, so they carry none of the app's headers; with
    # no body there is nothing to sniff, frame or cache, and the connection ends with them.
    sent = exchange(served.server.port, request_)

    head = sent.answer.lower()
    assert sent.status == status
    assert b"content-length: 0\r\n" in head
    assert b"connection: close\r\n" in head
    assert head.endswith(b"\r\n\r\n")
    assert sent.closed
