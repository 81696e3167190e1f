"""Helpers for tests that run the service as a real process, started as `make run` starts it."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import PROJECT_ROOT


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


BIN = Path(sys.executable).parent


def migrate_with_cli(environment: Mapping[str, str]) -> None:
    subprocess.run(
        [BIN / "alembic", "upgrade", "head"], cwd=PROJECT_ROOT, env=dict(environment), check=True, capture_output=True
    )


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    url: str
    port: int = 0

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        exit_code = self.process.wait(timeout=30)
        log = self.process.stderr.read().decode() if self.process.stderr else ""
        return exit_code, log


def start_logged_server(environment: Mapping[str, str], cwd: Path, log: Path) -> RunningServer:
    """The server exactly as ``environment`` configures it (HOST and PORT included), its output in ``log``. The
    caller waits for it to answer, and stops it: ``stop`` for its exit code, then ``stop_process_group``."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "referrals"],
            cwd=cwd,
            env=dict(environment),
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    return RunningServer(process, f"http://{environment['HOST']}:{environment['PORT']}")


@contextmanager
def running_server(environment: Mapping[str, str], cwd: Path, log: Path | None = None) -> Iterator[RunningServer]:
    """The server on a free port; its log goes to ``log`` when given (a pipe nobody reads fills up and stalls it)."""
    port = free_port()
    env = {**os.environ, "LOG_LEVEL": "INFO", **environment, "HOST": "127.0.0.1", "PORT": str(port)}
    with contextlib.ExitStack() as files:
        stderr = files.enter_context(log.open("wb")) if log is not None else subprocess.PIPE
        process = subprocess.Popen(
            [sys.executable, "-m", "referrals"],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    server = RunningServer(process, f"http://127.0.0.1:{port}", port)
    try:
        wait_until_healthy(server)
        yield server
    finally:
        stop_process_group(process)


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a server and its workers: killing only the main process would leave the workers running."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def wait_until_healthy(server: RunningServer, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log = server.process.stderr.read().decode() if server.process.stderr else ""
            msg = f"the server exited early:\n{log}"
            raise AssertionError(msg)
        try:
            if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    msg = f"{server.url} did not become healthy within {timeout} s"
    raise AssertionError(msg)
