"""The commands the containers run, run here: compose's migration, then the image's CMD and HEALTHCHECK.

No container engine is needed: the commands are read from compose.yaml and the Containerfile (never
repeated here) and run with this virtual environment standing in for the image's /app/.venv, in a
working directory laid out like the image's, against a throwaway PostgreSQL database.
"""

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath
from typing import Any

import asyncpg
import pytest
import yaml

from referrals.bootstrap.config import SETTING_NAMES
from tests.conftest import PROJECT_ROOT, TEST_JWT_SECRET, PostgresDatabases, asyncpg_dsn
from tests.deploy.containerfile import Stage, exec_form, healthcheck_command, parse
from tests.processes import free_port, wait_for

pytestmark = pytest.mark.postgres

BIN = Path(sys.executable).parent
IMAGE_VENV_BIN = "/app/.venv/bin"
SHUTDOWN_COMPLETE = "Shutdown complete: the database pool and the other app resources are closed"


def image_layout(final: Stage, root: Path) -> Path:
    """The image's WORKDIR, holding what the final stage copies there (the virtual environment aside)."""
    workdir = PurePosixPath(final.last("WORKDIR").arguments)
    local = root / "app"
    local.mkdir()
    for copy in final.all("COPY"):
        destination = PurePosixPath(copy.arguments.split()[-1])
        relative = destination.relative_to(workdir)
        if relative.parts[0] == ".venv":
            continue
        source = PROJECT_ROOT / relative
        if source.is_dir():
            shutil.copytree(source, local / relative, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(source, local / relative)
    return local


def container_environment(final: Stage, service: dict[str, Any], **local: str) -> dict[str, str]:
    """The image's ENV, then compose's `environment` over it, then what must differ outside a container."""
    environment = {name: value for name, value in os.environ.items() if name not in SETTING_NAMES}
    for name, value in final.env().items():
        environment[name] = value.replace(IMAGE_VENV_BIN, str(BIN)).replace("$PATH", os.environ["PATH"])
    environment.update({name: str(value) for name, value in service["environment"].items()})
    # What .env supplies in the stack.
    environment["JWT_SECRET"] = TEST_JWT_SECRET
    # There is no `valkey` host here; without VALKEY_URL the service uses its in-process cache.
    environment.pop("VALKEY_URL", None)
    environment.update(local)
    return environment


def register_slowly(url: str, outcome: dict[str, object]) -> None:
    body = json.dumps({"email": "inflight@example.com", "password": "correct horse"}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
            outcome["status"] = response.status
        outcome["answered_at"] = time.monotonic()
    except (urllib.error.URLError, OSError) as error:
        outcome["error"] = repr(error)


async def scalar(database_url: str, query: str) -> object:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return await connection.fetchval(query)
    finally:
        await connection.close()


async def test_migrate_then_serve_then_stop_gracefully(postgres_databases: PostgresDatabases, tmp_path: Path) -> None:
    compose: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
    final = parse(PROJECT_ROOT / "Containerfile")[-1]
    migrate_command = compose["services"]["migrate"]["command"]
    serve_command = exec_form(final.last("CMD").arguments)
    health_command = healthcheck_command(final)
    workdir = image_layout(final, tmp_path)
    database_url = await postgres_databases.create()
    port = free_port()
    local = {"DATABASE_URL": database_url, "HOST": "127.0.0.1", "PORT": str(port)}

    # The one-shot migration, twice: `make up` runs it on every start, and a second run must change nothing.
    migrate_env = container_environment(final, compose["services"]["migrate"], **local)
    for _ in range(2):
        migrated = await asyncio.to_thread(
            subprocess.run, migrate_command, cwd=workdir, env=migrate_env, capture_output=True, text=True, timeout=60
        )
        assert migrated.returncode == 0, migrated.stderr
    assert await scalar(database_url, "SELECT count(*) FROM alembic_version") == 1

    # An expensive hash makes registration the slow request that is still running when SIGTERM arrives.
    app_env = container_environment(final, compose["services"]["app"], **local, ARGON2_TIME_COST="100")
    server = subprocess.Popen(serve_command, cwd=workdir, env=app_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    outcome: dict[str, object] = {}
    in_flight = threading.Thread(target=register_slowly, args=(f"http://127.0.0.1:{port}/auth/register", outcome))
    try:
        health = await asyncio.to_thread(wait_for, f"http://127.0.0.1:{port}/health", server)
        healthcheck = await asyncio.to_thread(
            subprocess.run, health_command, cwd=workdir, env=app_env, capture_output=True, timeout=10
        )
        in_flight.start()
        await asyncio.sleep(0.5)
    finally:
        terminated_at = time.monotonic()
        server.send_signal(signal.SIGTERM)
        exit_code = await asyncio.to_thread(server.wait, 30)
        log = server.stderr.read().decode() if server.stderr else ""
    if in_flight.ident is not None:  # started
        in_flight.join(timeout=30)

    assert json.loads(health) == {"status": "ok"}
    assert healthcheck.returncode == 0, healthcheck.stderr
    assert outcome.pop("status", outcome) == 201, "the request in flight at SIGTERM was answered"
    assert isinstance(outcome["answered_at"], float)
    assert outcome["answered_at"] > terminated_at, "the request was still in flight when SIGTERM was sent"
    assert await scalar(database_url, "SELECT count(*) FROM users") == 1
    assert exit_code == 0, log
    assert log.count(SHUTDOWN_COMPLETE) == 1, log
    assert log.index(SHUTDOWN_COMPLETE) > log.index("Shutting down")
