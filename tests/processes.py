"""Helpers for tests that run the service as a real process."""

import socket
import subprocess
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 20.0) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else b""
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback only
                return bytes(response.read())
        except OSError:
            time.sleep(0.1)
    msg = f"{url} did not answer within {timeout} s"
    raise AssertionError(msg)


def wait_for_log(
    path: Path, text: str, process: subprocess.Popen[bytes], count: int = 1, timeout: float = 20.0
) -> None:
    """Wait until ``text`` has appeared ``count`` times in the log the process writes to ``path``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, path.read_text()
        if path.read_text().count(text) >= count:
            return
        time.sleep(0.05)
    msg = f"{text!r} did not appear {count} time(s) in {path} within {timeout} s"
    raise AssertionError(msg)
