"""Raw HTTP/1.1 over a socket, for what no HTTP client library will send: broken framing, invented methods."""

import re
import socket
import time
from dataclasses import dataclass

# How long a client waits for the server to answer or close: a bound, not a measurement.
PATIENCE = 15.0


@dataclass
class Exchange:
    answer: bytes
    closed: bool

    @property
    def status(self) -> int | None:
        match = re.match(rb"HTTP/1\.[01] (\d{3}) ", self.answer)
        return int(match[1]) if match else None


def exchange(
    port: int, *parts: bytes, pause: float = 0.0, half_close: bool = False, patience: float = PATIENCE
) -> Exchange:
    """Send ``parts`` (``pause`` seconds apart), then read until the server closes or ``patience`` runs out."""
    with socket.create_connection(("127.0.0.1", port), timeout=patience) as connection:
        try:
            for part in parts:
                connection.sendall(part)
                time.sleep(pause)
            if half_close:
                connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may close while the client is still writing; what it answered is what counts
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except TimeoutError:
            return Exchange(answer, closed=False)
        except ConnectionResetError:
            pass
        return Exchange(answer, closed=True)
