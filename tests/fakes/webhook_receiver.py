"""An operator's webhook receiver on loopback: a real HTTP server that records every delivery it is sent.

It answers each request with the next status queued by ``answer_with`` (200 once the queue is empty), after the
delay queued with it, and can be stopped and started again on the same port, as a receiver that goes down.
"""

import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Delivered:
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    def __init__(self) -> None:
        self.received: list[Delivered] = []
        self.most_at_once = 0
        self._at_once = 0
        self._answers: deque[tuple[int, float]] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def answer_with(self, *statuses: int, delay: float = 0.0) -> None:
        with self._lock:
            self._answers.extend((status, delay) for status in statuses)

    def start(self) -> "WebhookReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.received.append(Delivered({k.lower(): v for k, v in self.headers.items()}, body))
                    status, delay = receiver._answers.popleft() if receiver._answers else (200, 0.0)
                    receiver._at_once += 1
                    receiver.most_at_once = max(receiver.most_at_once, receiver._at_once)
                try:
                    if delay:
                        time.sleep(delay)
                finally:
                    with receiver._lock:
                        receiver._at_once -= 1
                try:
                    self.send_response(status)
                    self.send_header("content-length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender stopped waiting, as a timeout does

            def log_message(self, *_args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
