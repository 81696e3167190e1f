"""`make fuzz`: start the production server on a scratch database, log in, and let schemathesis loose on it.

Fails when schemathesis finds anything (a 5xx, a response that breaks the schema, an undocumented status,
a protected route answering without a token) or when the server logged an unhandled error.
"""

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.conftest import PROJECT_ROOT
from tests.processes import BIN, RunningServer, free_port, migrate_with_cli, stop_process_group, wait_until_healthy

CONFIG = Path(__file__).with_name("schemathesis.toml")
EMAIL = "fuzz@example.com"
PASSWORD = "fuzzing is fun"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--max-time", type=int, default=120, help="seconds for the whole run")
    parser.add_argument("--seed", type=int, default=20261123)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="referrals-fuzz-") as scratch:
        environment = {
            **os.environ,
            "APP_ENV": "production",
            "DATABASE_URL": f"sqlite+aiosqlite:///{scratch}/fuzz.sqlite3",
            "JWT_SECRET": secrets.token_urlsafe(48),
            "HOST": "127.0.0.1",
            "PORT": str(free_port()),
            "LOG_LEVEL": "WARNING",
            # One fuzzer is one client: with budgets on, most of the run would be 429s (documented, but dull).
            "RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT": "0",
            "RATE_LIMIT_LOGIN_FAILURES_PER_CLIENT": "0",
            "RATE_LIMIT_LOOKUPS_PER_CLIENT": "0",
            "RATE_LIMIT_REGISTRATIONS_PER_CLIENT": "0",
            # Registrations are what the fuzzer sends most; cheap hashing buys it more cases in the same time.
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_KIB": "1024",
        }
        migrate_with_cli(environment)
        log_path = Path(scratch) / "server.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "referrals"],
                cwd=PROJECT_ROOT,
                env=environment,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        server = RunningServer(process, f"http://{environment['HOST']}:{environment['PORT']}")
        try:
            wait_until_healthy(server)
            user_id, token = seed_an_account(server.url)
            fuzz = subprocess.run(
                [
                    BIN / "st",
                    "--config-file",
                    CONFIG,
                    "run",
                    f"{server.url}/docs/openapi.json",
                    "--max-examples",
                    str(options.max_examples),
                    "--max-time",
                    str(options.max_time),
                    "--seed",
                    str(options.seed),
                    "--no-color",
                ],
                env={**environment, "FUZZ_ACCESS_TOKEN": token, "FUZZ_USER_ID": user_id},
                check=False,
            )
        finally:
            exit_code, _ = server.stop()
            stop_process_group(process)
        server_log = log_path.read_text()
    unhandled = [line for line in server_log.splitlines() if "unhandled error" in line]
    for line in unhandled:
        print(f"server: {line}", file=sys.stderr)
    print(f"fuzz: schemathesis exit {fuzz.returncode}, server exit {exit_code}, unhandled errors {len(unhandled)}")
    return 1 if fuzz.returncode or exit_code or unhandled else 0


def seed_an_account(base_url: str) -> tuple[str, str]:
    """An account with a live code, so that authenticated routes and lookups have something to find."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        registered = client.post("/auth/register", json={"email": EMAIL, "password": PASSWORD})
        registered.raise_for_status()
        login = client.post("/auth/login", data={"username": EMAIL, "password": PASSWORD})
        login.raise_for_status()
        token: str = login.json()["access_token"]
        expires_at = (datetime.now(UTC) + timedelta(days=30)).isoformat()
        created = client.post(
            "/referral-code/create", json={"expires_at": expires_at}, headers={"Authorization": f"Bearer {token}"}
        )
        created.raise_for_status()
        return registered.json()["id"], token


if __name__ == "__main__":
    sys.exit(main())
