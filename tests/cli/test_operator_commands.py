"""The operator commands as an operator runs them: ``python -m referrals ...`` processes against a migrated
SQLite file and a PostgreSQL database, and the HTTP API of the same database answering to what they did."""

import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from httpx import AsyncClient

from referrals.bootstrap.app import create_app
from tests.api.conftest import Api, assert_problem, serving
from tests.conftest import TEST_JWT_SECRET, make_settings
from tests.operator_keys import key_headers

KEY = re.compile(r"rk_[A-Za-z0-9_-]{43,}")


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Cli:
    database_url: str
    cwd: Path

    def __call__(self, *arguments: str) -> Outcome:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "JWT_SECRET": TEST_JWT_SECRET,
            # Set, so the process does not re-execute itself to set it: one start-up per command.
            "MALLOC_ARENA_MAX": "1",
        }
        done = subprocess.run(
            [sys.executable, "-m", "referrals", *arguments],
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return Outcome(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Cli:
    # Run from an empty directory, so no .env of the project's is read.
    return Cli(database_url, tmp_path)


@pytest.fixture
async def http(database_url: str) -> AsyncIterator[AsyncClient]:
    """The API over the same database, as a server process would serve it."""
    async with serving(create_app(make_settings(database_url))) as client:
        yield client


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


async def test_a_created_key_is_printed_alone_and_authenticates(cli: Cli, http: AsyncClient) -> None:
    created = cli("api-keys", "create", "--name", "exporter", "--scope", "referrals:read", "--scope", "events:write")

    assert created.code == 0, created.stderr
    key = created.stdout.strip()
    assert created.stdout == key + "\n"
    assert KEY.fullmatch(key)
    assert key not in created.stderr
    assert "exporter" in created.stderr
    response = await http.get("/admin/events", headers=key_headers(key))
    assert response.status_code == 200, response.text


async def test_a_key_without_the_scope_is_refused_over_http(cli: Cli, http: AsyncClient) -> None:
    key = cli("api-keys", "create", "--name", "hooks", "--scope", "webhooks:manage").stdout.strip()

    response = await http.get("/admin/events", headers=key_headers(key))

    assert_problem(response, 403, "insufficient-scope")


async def test_list_shows_every_key_but_never_a_key_itself(cli: Cli, http: AsyncClient) -> None:
    first = cli("api-keys", "create", "--name", "exporter", "--scope", "referrals:read").stdout.strip()
    second = cli("api-keys", "create", "--name", "hooks", "--scope", "webhooks:manage").stdout.strip()
    assert (await http.get("/admin/events", headers=key_headers(first))).status_code == 200
    assert cli("api-keys", "revoke", "hooks").code == 0

    listed = cli("api-keys", "list")

    assert listed.code == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert lines[0].split() == ["ID", "NAME", "SCOPES", "CREATED", "LAST", "USED", "REVOKED"]
    exporter, hooks = lines[1:]
    assert exporter.split()[1:3] == ["exporter", "referrals:read"]
    assert exporter.split()[-2] != "-"  # used once, over HTTP: the first use is written at once
    assert exporter.split()[-1] == "-"
    assert hooks.split()[1:3] == ["hooks", "webhooks:manage"]
    assert hooks.split()[-1] != "-"
    for key in (first, second):
        assert key.removeprefix("rk_") not in listed.stdout + listed.stderr
    assert not KEY.search(listed.stdout)


async def test_a_revoked_key_stops_working(cli: Cli, http: AsyncClient) -> None:
    key = cli("api-keys", "create", "--name", "exporter", "--scope", "referrals:read").stdout.strip()
    assert (await http.get("/admin/events", headers=key_headers(key))).status_code == 200
    key_id = cli("api-keys", "list").stdout.strip().splitlines()[1].split()[0]

    revoked = cli("api-keys", "revoke", key_id)
    again = cli("api-keys", "revoke", "exporter")

    assert revoked.code == 0, revoked.stderr
    assert revoked.stdout == ""
    assert (again.code, one_line(again.stderr)) == (1, "referrals: No API key in force has this id or name.")
    async with serving(create_app(make_settings(cli.database_url))) as fresh_process:
        assert_problem(await fresh_process.get("/admin/events", headers=key_headers(key)), 401, "invalid-api-key")


async def test_revoking_sessions_ends_every_refresh_chain(cli: Cli, http: AsyncClient) -> None:
    api = Api(http)
    account = await api.account("ada@example.com")
    other_device = (await api.login("ada@example.com")).json()["refresh_token"]

    revoked = cli("users", "revoke-sessions", "ADA@example.com")

    assert revoked.code == 0, revoked.stderr
    assert one_line(revoked.stderr) == "referrals: revoked 2 refresh tokens of the account".removeprefix("referrals: ")
    assert "ada@" not in revoked.stderr.lower()
    for token in (account.refresh_token, other_device):
        response = await http.post("/auth/refresh", json={"refresh_token": token})
        assert_problem(response, 401, "invalid-refresh-token")
    assert (await api.login("ada@example.com")).status_code == 200


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (("users", "revoke-sessions", "nobody@example.com"), 1, "referrals: No account has this email address."),
        (("users", "revoke-sessions", "not an email"), 1, "referrals: No account has this email address."),
        (("api-keys", "revoke", "nothing-by-this-name"), 1, "referrals: No API key in force has this id or name."),
        (("api-keys", "create", "--name", "x", "--scope", "root"), 1, "referrals: unknown scope 'root'"),
        (("api-keys", "create", "--name", " ", "--scope", "referrals:read"), 1, "referrals: An API key's name"),
        (("api-keys", "create", "--scope", "referrals:read"), 2, "python -m referrals api-keys create: the following"),
    ],
    ids=["unknown-email", "not-an-email", "unknown-key", "unknown-scope", "blank-name", "no-name"],
)
def test_errors_are_one_line_and_a_failing_exit(cli: Cli, arguments: tuple[str, ...], code: int, message: str) -> None:
    outcome = cli(*arguments)

    assert outcome.code == code
    assert one_line(outcome.stderr).startswith(message)
    assert outcome.stdout == ""


def test_a_name_in_force_is_not_given_twice(cli: Cli) -> None:
    assert cli("api-keys", "create", "--name", "exporter", "--scope", "referrals:read").code == 0

    again = cli("api-keys", "create", "--name", "exporter", "--scope", "events:write")

    assert again.code == 1
    assert one_line(again.stderr).startswith("referrals: An API key in force already has this name")
    assert again.stdout == ""


@pytest.mark.parametrize(
    "command",
    [("api-keys",), ("api-keys", "create"), ("api-keys", "list"), ("api-keys", "revoke"), ("users", "revoke-sessions")],
)
def test_every_command_has_help(sqlite_url: str, tmp_path: Path, command: tuple[str, ...]) -> None:
    outcome = Cli(sqlite_url, tmp_path)(*command, "--help")

    assert outcome.code == 0
    assert outcome.stdout.startswith(f"usage: python -m referrals {' '.join(command)}")
