"""Hostile HTTP/1.1 framing against every operation of the live server: what schemathesis, which speaks
well-formed HTTP, never sends. Bad chunk sizes, bodies shorter than their length, contradictory lengths,
invented methods. Any 5xx is a finding."""

import random
import uuid
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from tests.wire import exchange

# Path parameters by name: any well-formed value reaches the handler.
SAMPLE_PARAMETERS = {
    "email": "someone@example.com",
    "referrer_id": str(uuid.UUID(int=1)),
    "referee_id": str(uuid.UUID(int=2)),
    "reward_id": str(uuid.UUID(int=3)),
    "endpoint_id": str(uuid.UUID(int=4)),
    "delivery_id": str(uuid.UUID(int=5)),
}
INVENTED_METHODS = 40
# Long enough for a route to be waiting on its body, short enough for the run to stay brief.
PATIENCE = 5.0


def operations(base_url: str) -> list[tuple[str, str]]:
    document: dict[str, Any] = httpx.get(f"{base_url}/docs/openapi.json", timeout=10).json()
    found = []
    for template, item in document["paths"].items():
        path = template.format_map({name: quote(value) for name, value in SAMPLE_PARAMETERS.items()})
        found += [(method.upper(), path) for method in item if method in {"get", "post", "put", "patch", "delete"}]
    return found


def hostile_requests(method: str, path: str, token: str, seed: int) -> Iterator[tuple[str, list[bytes], bool]]:
    """(what it is, the bytes to send, whether to half-close after them)."""
    head = f"{method} {path} HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Bearer {token}\r\n"
    for media_type in ("application/json", "application/x-www-form-urlencoded"):
        typed = f"{head}Content-Type: {media_type}\r\n"
        yield "bad chunk size", [f"{typed}Transfer-Encoding: chunked\r\n\r\nzz\r\n".encode()], False
        yield "huge chunk size", [f"{typed}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n".encode()], False
        yield "chunk without end", [f'{typed}Transfer-Encoding: chunked\r\n\r\n5\r\n{{"a":\r\n'.encode()], True
        yield "short body", [f"{typed}Content-Length: 100\r\n\r\n".encode(), b'{"email":'], True
        yield "negative length", [f"{typed}Content-Length: -1\r\n\r\n{{}}".encode()], True
        yield "two lengths", [f"{typed}Content-Length: 2\r\nContent-Length: 9\r\n\r\n{{}}".encode()], True
        yield (
            "length and chunked",
            [f"{typed}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".encode()],
            True,
        )
    generator = random.Random(seed)
    for _ in range(INVENTED_METHODS):
        invented = "".join(generator.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ", k=generator.randint(1, 64)))
        yield (
            "invented method",
            [f"{invented} {path} HTTP/1.1\r\nHost: fuzz\r\nContent-Length: 0\r\n\r\n".encode()],
            True,
        )


def send_hostile_framing(base_url: str, port: int, token: str, seed: int) -> Mapping[str, int]:
    """Send it all; print every 5xx and return how many answers each kind of request got, and how many 5xx."""
    counts = {"sent": 0, "server errors": 0}
    for method, path in operations(base_url):
        for kind, parts, half_close in hostile_requests(method, path, token, seed):
            sent = exchange(port, *parts, half_close=half_close, patience=PATIENCE)
            counts["sent"] += 1
            if sent.status is not None and sent.status >= 500:
                counts["server errors"] += 1
                print(f"framing: {kind} on {method} {path} answered {sent.status}: {sent.answer[:200]!r}")
    return counts
