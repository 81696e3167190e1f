"""Shared fixtures: real databases on both backends, and the settings every app under test uses.

PostgreSQL comes from TEST_POSTGRES_URL (an admin URL; each test session creates and drops its own
database there), the cache server from TEST_VALKEY_URL (each test uses a key namespace of its own).
Without a reachable server those tests skip with the reason; with REQUIRE_TEST_SERVERS=1 (as in CI)
they fail instead.
"""

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from valkey.asyncio import Valkey
from valkey.exceptions import ValkeyError

from referrals.bootstrap.config import Settings, settings_from

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEST_JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
BACKENDS = ["sqlite", "postgresql"]


def require_servers() -> bool:
    return os.environ.get("REQUIRE_TEST_SERVERS") == "1"


def unavailable(reason: str) -> None:
    if require_servers():
        pytest.fail(f"{reason} (REQUIRE_TEST_SERVERS=1 makes this a failure)")
    pytest.skip(reason)


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


async def migrate(database_url: str, revision: str = "head") -> None:
    # env.py runs its own event loop; give it a thread of its own.
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), revision)


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
async def postgres_admin_url() -> str:
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        unavailable("TEST_POSTGRES_URL is not set, so the PostgreSQL tests cannot run")
    assert url is not None
    try:
        connection = await asyncpg.connect(asyncpg_dsn(url), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        unavailable(f"PostgreSQL is not reachable at {make_url(url)!r}: {error}")
    await connection.close()
    return url


@pytest.fixture(scope="session")
async def valkey_url() -> str:
    url = os.environ.get("TEST_VALKEY_URL")
    if not url:
        unavailable("TEST_VALKEY_URL is not set, so the Valkey tests cannot run")
    assert url is not None
    client = Valkey.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        await client.ping()
    except (ValkeyError, OSError) as error:
        unavailable(f"no Valkey/Redis server answers at {url}: {error}")
    finally:
        await client.aclose()
    return url


class PostgresDatabases:
    """Creates throwaway databases on the test server and drops them at the end of the session."""

    def __init__(self, admin_url: str) -> None:
        self._admin_url = admin_url
        self._created: list[str] = []

    async def create(self) -> str:
        name = f"referrals_test_{uuid.uuid4().hex[:12]}"
        connection = await asyncpg.connect(asyncpg_dsn(self._admin_url))
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        self._created.append(name)
        return make_url(self._admin_url).set(database=name).render_as_string(hide_password=False)

    async def drop_all(self) -> None:
        connection = await asyncpg.connect(asyncpg_dsn(self._admin_url))
        try:
            for name in self._created:
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


@pytest.fixture(scope="session")
async def postgres_databases(postgres_admin_url: str) -> AsyncIterator[PostgresDatabases]:
    databases = PostgresDatabases(postgres_admin_url)
    yield databases
    await databases.drop_all()


@pytest.fixture(scope="session")
async def postgres_url(postgres_databases: PostgresDatabases) -> str:
    """One migrated database for the session; ``database_url`` empties it before each test."""
    url = await postgres_databases.create()
    await migrate(url)
    return url


@pytest.fixture(scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    await migrate(f"sqlite+aiosqlite:///{path}")
    return path


async def empty_postgres(url: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute(
            "TRUNCATE api_keys, program_versions, refresh_tokens, referral_codes, users, webhook_endpoints,"
            " idempotency_keys CASCADE"
        )
    finally:
        await connection.close()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "referrals.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def empty_postgres_url(postgres_url: str) -> str:
    await empty_postgres(postgres_url)
    return postgres_url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database on each backend in turn."""
    url: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "empty_postgres_url")
    return url


NO_RATE_LIMITS: dict[str, object] = {
    "rate_limit_login_failures_per_account": 0,
    "rate_limit_login_failures_per_client": 0,
    "rate_limit_lookups_per_client": 0,
    "rate_limit_registrations_per_client": 0,
    "rate_limit_refreshes_per_client": 0,
}


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "app_env": "test",
        "database_url": database_url,
        "jwt_secret": TEST_JWT_SECRET,
        # The cheapest argon2id there is: these tests are about behaviour, not hashing cost.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 64,
        "argon2_parallelism": 1,
        "hashing_threads": 2,
        # Each test sends many requests from one address; the rate-limit tests turn the budgets back on.
        **NO_RATE_LIMITS,
        # No scheduler writing beside the requests under test; the background work's own tests turn it on.
        "background_work": False,
    }
    values.update(overrides)
    return settings_from(values)


@pytest.fixture(params=["memory", "valkey"])
def cache_settings(request: pytest.FixtureRequest) -> dict[str, object]:
    """The in-process cache, then a real Valkey server with a key namespace of the test's own."""
    if request.param == "memory":
        return {}
    return {"valkey_url": request.getfixturevalue("valkey_url"), "valkey_namespace": f"test-{uuid.uuid4().hex}"}


@pytest.fixture
def settings(database_url: str, cache_settings: dict[str, object]) -> Settings:
    return make_settings(database_url, **cache_settings)


class MutableClock:
    """A clock the test can move; starts at the real time so tokens signed with it verify."""

    def __init__(self) -> None:
        self.current = datetime.now(UTC)

    def now(self) -> datetime:
        return self.current


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()
