"""What `make run` does, as real processes: migrate, then serve until told to stop."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.conftest import PROJECT_ROOT, TEST_JWT_SECRET
from tests.servers import migrate_with_cli, running_server

BIN = Path(sys.executable).parent


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


def test_migrate_then_serve_then_stop_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'var' / 'referrals.sqlite3'}",
        "JWT_SECRET": TEST_JWT_SECRET,
        "PORT": str(port),
        "LOG_LEVEL": "INFO",
    }
    subprocess.run([BIN / "alembic", "upgrade", "head"], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)

    server = subprocess.Popen(
        [sys.executable, "-m", "referrals"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        health = json.loads(wait_for(f"http://127.0.0.1:{port}/health", server))
        docs = wait_for(f"http://127.0.0.1:{port}/docs", server)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/auth/register",
            data=json.dumps({"email": "ada@example.com", "password": "correct horse"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            registered = (response.status, json.loads(response.read()))
    finally:
        server.send_signal(signal.SIGTERM)
        exit_code = server.wait(timeout=15)
        log = server.stderr.read().decode() if server.stderr else ""

    assert health == {"status": "ok"}
    assert b"swagger-ui" in docs.lower()
    assert registered[0] == 201
    assert registered[1]["email"] == "ada@example.com"
    # uvicorn re-raises the signal once its graceful shutdown is done, so -SIGTERM is a clean exit.
    assert exit_code in {0, -signal.SIGTERM}
    assert "Application shutdown complete" in log


def test_a_bad_setting_stops_startup_with_one_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "PORT": "not-a-port"}

    result = subprocess.run(
        [sys.executable, "-m", "referrals"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_request_in_flight_when_sigterm_arrives_still_completes(tmp_path: Path) -> None:
    environment = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'referrals.sqlite3'}",
        "JWT_SECRET": TEST_JWT_SECRET,
        # Expensive on purpose: each hash takes long enough for the signal to arrive mid-request.
        "ARGON2_TIME_COST": "40",
        "ARGON2_MEMORY_KIB": "8192",
    }
    migrate_with_cli(environment)
    with running_server(environment, tmp_path) as server, ThreadPoolExecutor(1) as pool:
        body = {"email": "ada@example.com", "password": "correct horse"}
        pending = pool.submit(httpx.post, f"{server.url}/auth/register", json=body, timeout=30)
        time.sleep(0.3)
        exit_code, log = server.stop()
        response = pending.result()

    assert response.status_code == 201
    assert exit_code in {0, -signal.SIGTERM}
    assert "Application shutdown complete" in log
