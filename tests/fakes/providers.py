"""Hunter and Clearbit on loopback: a real HTTP server that speaks their documented wire formats.

What each email gets is chosen by its local part, so one server serves every scenario:
  Hunter:   <status>@…  (valid, invalid, accept_all, webmail, disposable, unknown) → 200 with that status;
            queued-<status>@… → 202 twice, then 200; ratelimited@… → 429 with Retry-After;
            broken@… → 500; garbage@… → malformed JSON; slow@… → answers after 3 s.
  Clearbit: person@… → 200 combined {person, company}; queued@… → 202; unknown@… → 404;
            ratelimited@… → 429; broken@… → 500; garbage@… → malformed JSON; slow@… → after 3 s.
"""

import base64
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SLOW_SECONDS = 3.0
HUNTER_VERDICTS = {"valid", "invalid", "accept_all", "webmail", "disposable", "unknown"}


@dataclass
class Recorded:
    path: str
    query: dict[str, str]
    authorization: str | None


@dataclass
class ProviderState:
    requests: list[Recorded] = field(default_factory=list)
    queued: dict[str, int] = field(default_factory=dict)


def hunter_answer(local: str, email: str, state: ProviderState) -> tuple[int, bytes, dict[str, str]]:
    if local.startswith("queued-"):
        seen = state.queued.get(email, 0)
        state.queued[email] = seen + 1
        if seen < 2:
            return 202, json.dumps({"data": {"status": "unknown", "email": email}}).encode(), {}
        local = local.removeprefix("queued-")
    if local in HUNTER_VERDICTS:
        body = {
            "data": {"status": local, "result": "deliverable", "score": 90, "email": email, "regexp": True},
            "meta": {"params": {"email": email}},
        }
        return 200, json.dumps(body).encode(), {}
    if local == "ratelimited":
        body = {"errors": [{"id": "too_many_requests", "code": 429, "details": "You have reached the limit"}]}
        return 429, json.dumps(body).encode(), {"Retry-After": "30"}
    if local == "broken":
        return 500, b'{"errors": [{"id": "internal", "code": 500}]}', {}
    return 200, b'{"data": {"status": ', {}


def clearbit_answer(local: str, email: str) -> tuple[int, bytes, dict[str, str]]:
    if local == "person":
        person = {
            "id": "d54c54ad-40be-4305-8a34-0ab44710b90d",
            "name": {"fullName": "Ada Lovelace", "givenName": "Ada", "familyName": "Lovelace"},
            "email": email,
            "location": "London, England, United Kingdom",
            "employment": {"domain": "engines.example", "name": "Analytical Engines", "title": "Programmer"},
            "avatar": "https://images.example/ada.png",
        }
        return 200, json.dumps({"person": person, "company": {"name": "Analytical Engines"}}).encode(), {}
    if local == "queued":
        return 202, b"", {}
    if local == "unknown":
        return 404, json.dumps({"error": {"type": "unknown_record", "message": "Unknown email address"}}).encode(), {}
    if local == "ratelimited":
        return 429, b'{"error": {"type": "rate_limit"}}', {"Retry-After": "60"}
    if local == "broken":
        return 500, b"Internal Server Error", {}
    return 200, b"{not json", {}


class _Handler(BaseHTTPRequestHandler):
    state: ProviderState

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        self.state.requests.append(Recorded(url.path, query, self.headers.get("Authorization")))
        email = query.get("email", "")
        local = email.partition("@")[0]
        if local == "slow":
            time.sleep(SLOW_SECONDS)
            local = "valid" if url.path.endswith("email-verifier") else "person"
        if url.path == "/v2/email-verifier":
            status, body, headers = hunter_answer(local, email, self.state)
        elif url.path == "/v2/combined/find":
            status, body, headers = clearbit_answer(local, email)
        else:
            status, body, headers = 404, b"{}", {}
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        # A client that stopped waiting (the adapters' timeouts do just that with slow@…) has hung up by the
        # time the answer is written: that is how the scenario ends, not a fault of the fake. Anything else
        # is, and is reported as the standard library does.
        if isinstance(sys.exception(), BrokenPipeError | ConnectionResetError):
            return
        super().handle_error(request, client_address)


@dataclass
class FakeProviders:
    url: str
    state: ProviderState
    server: LoopbackServer

    def basic_auth_user(self) -> str | None:
        header = self.state.requests[-1].authorization
        if header is None or not header.startswith("Basic "):
            return None
        return base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")[0]


@contextmanager
def fake_providers() -> Iterator[FakeProviders]:
    state = ProviderState()
    handler = type("Handler", (_Handler,), {"state": state})
    server = LoopbackServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FakeProviders(f"http://127.0.0.1:{server.server_address[1]}", state, server)
    finally:
        server.shutdown()
        server.server_close()
