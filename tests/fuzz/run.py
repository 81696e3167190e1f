"""`make fuzz`: start the production server on a scratch database, log in, and let schemathesis loose on it,
then send every operation hostile framing over raw sockets (see ``framing``).

Fails when schemathesis finds anything (a 5xx, a response that breaks the schema, an undocumented status,
a protected route answering without a token), when hostile framing gets a 5xx, or when the server logged an
unhandled error.
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from referrals.domain.api_keys import Scope
from tests.conftest import PROJECT_ROOT
from tests.fuzz.framing import send_hostile_framing
from tests.processes import (
    BIN,
    free_port,
    migrate_with_cli,
    start_logged_server,
    stop_process_group,
    wait_until_healthy,
)

CONFIG = Path(__file__).with_name("schemathesis.toml")
EMAIL = "fuzz@example.com"
REFERRER_EMAIL = "referrer@example.com"
PASSWORD = "fuzzing is fun"
# Expiries the service accepts for the whole run: strictly ahead, and within MAX_CODE_LIFETIME_DAYS (365).
# Each refresh token rotates on its first use (and a reuse revokes its chain), so each comes from a login of its own.
REFRESH_TOKENS = 100
# Every scope but webhooks:manage: registering a webhook resolves the URL's host with the system's resolver, and
# nothing here may send a packet beyond loopback. The webhook routes are fuzzed up to their 403; their bodies
# are tested in tests/api/webhooks/test_webhooks.py, with a stub resolver.
FUZZ_SCOPES = tuple(scope.value for scope in Scope if scope is not Scope.WEBHOOKS_MANAGE)
LIVE_EXPIRIES = (timedelta(hours=1), timedelta(days=1), timedelta(days=30), timedelta(days=364))


@dataclass(frozen=True)
class Seeds:
    """What the fuzzer cannot invent: who it is, and values that only the running service can make valid."""

    user_id: str
    access_token: str
    # An operator key with every scope but one (see FUZZ_SCOPES), so the operator routes' bodies are fuzzed too.
    api_key: str
    refresh_tokens: list[str]
    referral_code: str


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--max-time", type=int, default=120, help="seconds for the whole run")
    parser.add_argument("--seed", type=int, default=20261123)
    # Anything else goes to `st run` as it is, e.g. `--report har --report-dir var/fuzz` to keep every exchange.
    options, schemathesis_options = parser.parse_known_args()

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
            "RATE_LIMIT_REFRESHES_PER_CLIENT": "0",
            # Registrations are what the fuzzer sends most; cheap hashing buys it more cases in the same time.
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_KIB": "1024",
        }
        migrate_with_cli(environment)
        log_path = Path(scratch) / "server.log"
        server = start_logged_server(environment, PROJECT_ROOT, log_path)
        try:
            wait_until_healthy(server)
            seeds = seed_accounts(server.url, operator_key(environment))
            config = write_config(Path(scratch), seeds)
            fuzz = subprocess.run(
                [
                    BIN / "st",
                    "--config-file",
                    config,
                    "run",
                    f"{server.url}/docs/openapi.json",
                    "--max-examples",
                    str(options.max_examples),
                    "--max-time",
                    str(options.max_time),
                    "--seed",
                    str(options.seed),
                    "--no-color",
                    *schemathesis_options,
                ],
                env={
                    **environment,
                    "FUZZ_ACCESS_TOKEN": seeds.access_token,
                    "FUZZ_API_KEY": seeds.api_key,
                    "FUZZ_USER_ID": seeds.user_id,
                },
                check=False,
            )
            framing = send_hostile_framing(server.url, int(environment["PORT"]), seeds.access_token, options.seed)
        finally:
            exit_code, _ = server.stop()
            stop_process_group(server.process)
        server_log = log_path.read_text()
    unhandled = [line for line in server_log.splitlines() if "unhandled error" in line]
    for line in unhandled:
        print(f"server: {line}", file=sys.stderr)
    framing_errors = framing["server errors"]
    print(
        f"fuzz: schemathesis exit {fuzz.returncode}, hostile framing {framing['sent']} requests with "
        f"{framing_errors} server errors, server exit {exit_code}, unhandled errors {len(unhandled)}"
    )
    return 1 if fuzz.returncode or framing_errors or exit_code or unhandled else 0


def operator_key(environment: dict[str, str]) -> str:
    """A key with the FUZZ_SCOPES, issued by the command line as an operator would."""
    scopes = [argument for scope in FUZZ_SCOPES for argument in ("--scope", scope)]
    issued = subprocess.run(
        [BIN / "python", "-m", "referrals", "api-keys", "create", "--name", "fuzzer", *scopes],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return issued.stdout.strip()


def seed_accounts(base_url: str, api_key: str) -> Seeds:
    """The fuzzer's own account, logged in and without a code, so that creating one can succeed; and a referrer
    with a live code, whose token the fuzzer never gets, so that nothing it does can delete that code."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        fuzzer = client.post("/auth/register", json={"email": EMAIL, "password": PASSWORD})
        fuzzer.raise_for_status()
        client.post("/auth/register", json={"email": REFERRER_EMAIL, "password": PASSWORD}).raise_for_status()
        code = client.post(
            "/referral-code/create",
            json={"expires_at": (datetime.now(UTC) + timedelta(days=30)).isoformat()},
            headers={"Authorization": f"Bearer {log_in(client, REFERRER_EMAIL)['access_token']}"},
        )
        code.raise_for_status()
        return Seeds(
            user_id=fuzzer.json()["id"],
            api_key=api_key,
            access_token=log_in(client, EMAIL)["access_token"],
            refresh_tokens=[log_in(client, EMAIL)["refresh_token"] for _ in range(REFRESH_TOKENS)],
            referral_code=code.json()["code"],
        )


def log_in(client: httpx.Client, email: str) -> dict[str, Any]:
    """The token pair of a new session."""
    login = client.post("/auth/login", data={"username": email, "password": PASSWORD})
    login.raise_for_status()
    pair: dict[str, Any] = login.json()
    return pair


def write_config(scratch: Path, seeds: Seeds) -> Path:
    """Copy the configuration next to the dictionaries it names: values only this run can make valid."""
    now = datetime.now(UTC)
    code = seeds.referral_code
    dictionaries = {
        "usernames": [EMAIL, f"  {EMAIL.upper()} "],
        "passwords": [PASSWORD],
        "refresh-tokens": seeds.refresh_tokens,
        "referrers": [REFERRER_EMAIL, REFERRER_EMAIL.upper()],
        "live-codes": [code, f"{code[:4]}-{code[4:8]}-{code[8:]}".lower()],
        "live-expiries": [(now + ahead).isoformat() for ahead in LIVE_EXPIRIES],
    }
    for name, values in dictionaries.items():
        # libFuzzer's dictionary format, one quoted entry a line; for plain ASCII values JSON quotes them alike.
        (scratch / f"{name}.dict").write_text("".join(f"{json.dumps(value)}\n" for value in values))
    config = scratch / CONFIG.name
    shutil.copyfile(CONFIG, config)
    return config


if __name__ == "__main__":
    sys.exit(main())
