"""What `make run` does, as real processes: migrate, then serve until told to stop."""

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, TEST_JWT_SECRET
from tests.processes import free_port, wait_for, wait_for_log

BIN = Path(sys.executable).parent
SHUTDOWN_COMPLETE = "Shutdown complete: the database pool and the other app resources are closed"


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
    assert exit_code == 0
    assert log.count(SHUTDOWN_COMPLETE) == 1


def call(url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def serve(tmp_path: Path, **settings: str) -> tuple[subprocess.Popen[bytes], Path]:
    """``python -m referrals`` on a fresh SQLite database, logging to a file the test can watch."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'referrals.sqlite3'}",
        "JWT_SECRET": TEST_JWT_SECRET,
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "64",
        **settings,
    }
    subprocess.run([BIN / "alembic", "upgrade", "head"], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen([sys.executable, "-m", "referrals"], cwd=tmp_path, env=env, stdout=sink, stderr=sink)
    return server, log


def test_several_workers_share_the_secret_so_any_worker_accepts_any_token(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server, log = serve(tmp_path, PORT=str(port), WORKERS="2")
    try:
        wait_for_log(log, "Started worker-", server, count=2)
        credentials = {"email": "ada@example.com", "password": "correct horse"}
        call(
            f"{base}/auth/register", body=json.dumps(credentials).encode(), headers={"Content-Type": "application/json"}
        )
        _, tokens = call(f"{base}/auth/login", body=b"username=ada%40example.com&password=correct+horse")
        bearer = {"Authorization": f"Bearer {json.loads(tokens)['access_token']}"}
        # Each call is a new connection, which either worker may accept.
        statuses = [call(f"{base}/users/me", headers=bearer)[0] for _ in range(20)]
    finally:
        server.send_signal(signal.SIGTERM)
        exit_code = server.wait(timeout=30)

    assert statuses == [200] * 20
    assert exit_code == 0
    assert log.read_text().count(SHUTDOWN_COMPLETE) == 2, "every worker closes its own pools"


def test_sigterm_while_the_workers_are_still_starting_stops_within_the_shutdown_timeout(tmp_path: Path) -> None:
    # Granian workers told to stop before they have started never stop by themselves; SHUTDOWN_TIMEOUT bounds that.
    server, log = serve(tmp_path, PORT=str(free_port()), WORKERS="2", SHUTDOWN_TIMEOUT="1")
    wait_for_log(log, "Listening at", server)

    server.send_signal(signal.SIGTERM)
    exit_code = server.wait(timeout=15)

    assert exit_code == 0, log.read_text()


def process_environment(pid: int) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(entry.decode().partition("=")[::2] for entry in entries if entry)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads a process's environment from /proc")
@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("4", "4")])
def test_the_server_runs_with_one_malloc_arena_unless_told_otherwise(
    tmp_path: Path, given: str | None, expected: str
) -> None:
    port = free_port()
    settings = {"PORT": str(port)} | ({} if given is None else {"MALLOC_ARENA_MAX": given})
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("MALLOC_ARENA_MAX", raising=False)
        server, _ = serve(tmp_path, **settings)
    try:
        wait_for(f"http://127.0.0.1:{port}/health", server)
        # The same process, re-executed: glibc reads the variable only when a process starts.
        arenas = process_environment(server.pid).get("MALLOC_ARENA_MAX")
    finally:
        server.send_signal(signal.SIGTERM)
        exit_code = server.wait(timeout=15)

    assert arenas == expected
    assert exit_code == 0


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"PORT": "not-a-port"}, "PORT"),
        ({"WORKERS": "0"}, "WORKERS"),
        # A random secret per worker would make every other worker refuse the tokens this one signs.
        ({"WORKERS": "2", "JWT_SECRET": ""}, "JWT_SECRET"),
    ],
)
def test_a_bad_setting_stops_startup_with_one_clear_line(tmp_path: Path, settings: dict[str, str], named: str) -> None:
    env = {**os.environ, **settings}

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
    assert named in result.stderr
    assert "Traceback" not in result.stderr
