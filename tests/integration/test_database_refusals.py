"""A PostgreSQL that refuses the service (not accepting connections, at its connection limit, terminating its
sessions, shutting down) is a 503 with ``Retry-After`` on every route that needs it, never a 500, and the
service recovers by itself once the database takes connections again. A cluster of the tests' own."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass

import asyncpg
import pytest
from alembic import command
from httpx import AsyncClient, Response

from referrals.bootstrap.app import create_app
from tests.api.conftest import PASSWORD, Account, Api, assert_problem, serving
from tests.conftest import alembic_config, asyncpg_dsn, make_settings
from tests.faults import ThrowawayPostgres, throwaway_postgres

APP_ROLE = "referrals_app"  # not a superuser: connection limits do not apply to superusers
RECOVERY_WITHIN_SECONDS = 15.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[ThrowawayPostgres]:
    with throwaway_postgres() as postgres:
        yield postgres


async def admin(cluster: ThrowawayPostgres) -> asyncpg.Connection:
    return await asyncpg.connect(asyncpg_dsn(cluster.url))


@dataclass
class Database:
    """A database of the test's own in the cluster, owned by a role the service logs in as."""

    cluster: ThrowawayPostgres
    name: str

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://{APP_ROLE}@127.0.0.1:{self.cluster.port}/{self.name}"

    async def alter(self, change: str) -> None:
        connection = await admin(self.cluster)
        try:
            await connection.execute(f'ALTER DATABASE "{self.name}" {change}')
        finally:
            await connection.close()

    async def terminate_sessions(self) -> int:
        """End every session on the database (each gets SQLSTATE 57P01, admin shutdown); how many there were."""
        connection = await admin(self.cluster)
        try:
            ended: int = await connection.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> "
                "pg_backend_pid()",
                self.name,
            )
        finally:
            await connection.close()
        return ended


@pytest.fixture
async def database(cluster: ThrowawayPostgres) -> AsyncIterator[Database]:
    name = f"refusals_{uuid.uuid4().hex[:8]}"
    connection = await admin(cluster)
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", APP_ROLE):
            await connection.execute(f"CREATE ROLE {APP_ROLE} LOGIN")
        await connection.execute(f'CREATE DATABASE "{name}" OWNER {APP_ROLE}')
    finally:
        await connection.close()
    database = Database(cluster, name)
    await asyncio.to_thread(command.upgrade, alembic_config(database.url), "head")
    yield database
    connection = await admin(cluster)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture
async def client(database: Database) -> AsyncIterator[AsyncClient]:
    async with serving(create_app(make_settings(database.url))) as http_client:
        yield http_client


@pytest.fixture
async def account(client: AsyncClient) -> Account:
    api = Api(client)
    account = await api.account(f"ada-{uuid.uuid4().hex[:8]}@example.com")
    assert (await api.create_code(account)).status_code == 201
    return account


def requests_needing_the_database(api: Api, account: Account) -> dict[str, Callable[[], Awaitable[Response]]]:
    return {
        "lookup": lambda: api.code_of(account.email),
        "login": lambda: api.login(account.email, PASSWORD),
        "registration": lambda: api.register(f"bob-{uuid.uuid4().hex[:8]}@example.com"),
        "refresh": lambda: api.client.post("/auth/refresh", json={"refresh_token": account.refresh_token}),
    }


async def assert_each_is_unavailable(api: Api, account: Account) -> None:
    # Twice over: the first request may find its pooled connection dead, the second must open a new one.
    for _ in range(2):
        for name, request in requests_needing_the_database(api, account).items():
            response = await request()
            assert response.status_code == 503, f"{name}: {response.status_code} {response.text}"
            assert_problem(response, 503)
            assert response.headers["Retry-After"], name


async def assert_recovers(api: Api) -> None:
    deadline = asyncio.get_running_loop().time() + RECOVERY_WITHIN_SECONDS
    while (registered := await api.register(f"carol-{uuid.uuid4().hex[:8]}@example.com")).status_code != 201:
        assert registered.status_code == 503, registered.text
        assert asyncio.get_running_loop().time() < deadline, "the service did not recover"
        await asyncio.sleep(0.2)


async def test_a_database_not_accepting_connections_answers_503(
    client: AsyncClient, database: Database, account: Account
) -> None:
    api = Api(client)
    await database.alter("ALLOW_CONNECTIONS false")
    assert await database.terminate_sessions() > 0
    try:
        await assert_each_is_unavailable(api, account)
    finally:
        await database.alter("ALLOW_CONNECTIONS true")
    await assert_recovers(api)


async def test_a_database_at_its_connection_limit_answers_503(
    client: AsyncClient, database: Database, account: Account
) -> None:
    api = Api(client)
    await database.alter("CONNECTION LIMIT 0")  # SQLSTATE 53300, too many connections
    await database.terminate_sessions()
    try:
        await assert_each_is_unavailable(api, account)
    finally:
        await database.alter("CONNECTION LIMIT -1")
    await assert_recovers(api)


async def test_a_session_terminated_mid_statement_answers_503(
    client: AsyncClient, database: Database, account: Account
) -> None:
    api = Api(client)
    holder = await asyncpg.connect(asyncpg_dsn(database.url))
    try:
        # The login's read of the account waits behind this lock, so the termination lands mid-statement.
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        login = asyncio.create_task(api.login(account.email, PASSWORD))
        await wait_for_a_session_waiting_on_a_lock(database)
        connection = await admin(database.cluster)
        try:
            await connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND wait_event_type = 'Lock'",
                database.name,
            )
        finally:
            await connection.close()
        response = await login
    finally:
        await holder.close()

    assert_problem(response, 503)
    assert response.headers["Retry-After"]
    assert (await api.login(account.email, PASSWORD)).status_code == 200


async def wait_for_a_session_waiting_on_a_lock(database: Database) -> None:
    connection = await admin(database.cluster)
    try:
        for _ in range(100):
            if await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", database.name
            ):
                return
            await asyncio.sleep(0.02)
    finally:
        await connection.close()
    pytest.fail("the login never waited on the lock")


async def test_a_database_shutting_down_answers_503(client: AsyncClient, database: Database, account: Account) -> None:
    api = Api(client)
    # A smart shutdown waits for the sessions it has; meanwhile it refuses new ones (SQLSTATE 57P03).
    lingering = await admin(database.cluster)
    await database.terminate_sessions()
    database.cluster.stop_when_idle()
    try:
        await assert_each_is_unavailable(api, account)
    finally:
        with contextlib.suppress(OSError, asyncpg.PostgresError):
            await lingering.close()
        await asyncio.to_thread(database.cluster.wait_stopped)
        database.cluster.start()
    await assert_recovers(api)


async def test_a_read_only_database_answers_503_to_writes_and_serves_reads(
    client: AsyncClient, database: Database, account: Account
) -> None:
    api = Api(client)
    # As a standby, or a primary put in read-only mode for maintenance: writes fail with SQLSTATE 25006.
    await database.alter("SET default_transaction_read_only = on")
    await database.terminate_sessions()
    try:
        await api.code_of(account.email)  # the pool's connections were terminated: this finds out
        lookup = await api.code_of(account.email)
        writes = [
            await request() for name, request in requests_needing_the_database(api, account).items() if name != "lookup"
        ]
    finally:
        await database.alter("RESET default_transaction_read_only")
        await database.terminate_sessions()

    assert lookup.status_code == 200
    for response in writes:
        assert_problem(response, 503)
        assert response.headers["Retry-After"]
    await assert_recovers(api)
