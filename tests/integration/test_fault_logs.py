"""When the database fails under a request, the logs say what failed, never whose data was in the request:
no email, password hash, refresh token or referral code, whatever the fault and whichever log line reports it.

Each fault is provoked in the real database under a real request: a table gone missing under a read, and a
trigger that fails every insert into a table (as a full disk or a broken constraint would) under a write.
"""

import asyncio
import hashlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import pytest
from httpx import AsyncClient, Response
from sqlalchemy.engine import make_url

from referrals.bootstrap.app import create_app
from tests.api.conftest import PASSWORD, Api, serving
from tests.conftest import asyncpg_dsn, make_settings

VICTIM = "victim@example.com"
NEWCOMER = "newcomer@example.com"
NEWCOMER_PASSWORD = "another fine secret"


class Database:
    """Plain SQL on the database the app uses, from outside the app."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.backend = make_url(url).get_backend_name()

    async def execute(self, *statements: str) -> list[list[tuple[object, ...]]]:
        if self.backend == "sqlite":
            return await asyncio.to_thread(self._sqlite, statements)
        connection = await asyncpg.connect(asyncpg_dsn(self._url))
        try:
            return [[tuple(row) for row in await connection.fetch(statement)] for statement in statements]
        finally:
            await connection.close()

    def _sqlite(self, statements: tuple[str, ...]) -> list[list[tuple[object, ...]]]:
        connection = sqlite3.connect(str(make_url(self._url).database), isolation_level=None)
        try:
            return [connection.execute(statement).fetchall() for statement in statements]
        finally:
            connection.close()

    async def fail_inserts_into(self, table: str) -> None:
        if self.backend == "sqlite":
            await self.execute(
                f"CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
            return
        await self.execute(
            "CREATE FUNCTION fail_insert() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'disk full' USING ERRCODE = '53100'; END $$",
            f"CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION fail_insert()",
        )

    async def allow_inserts_into(self, table: str) -> None:
        await self.execute(f"DROP TRIGGER fail_{table}" + ("" if self.backend == "sqlite" else f" ON {table}"))
        if self.backend != "sqlite":
            await self.execute("DROP FUNCTION fail_insert()")

    async def hide(self, table: str) -> None:
        await self.execute(f"ALTER TABLE {table} RENAME TO hidden_{table}")

    async def restore(self, table: str) -> None:
        await self.execute(f"ALTER TABLE hidden_{table} RENAME TO {table}")


@dataclass
class Victim:
    email: str
    password_hash: str
    refresh_token: str
    refresh_digest: str
    code: str

    @property
    def secrets(self) -> dict[str, str]:
        return {
            "email": self.email,
            "password hash": self.password_hash,
            "refresh token": self.refresh_token,
            "refresh token digest": self.refresh_digest,
            "referral code": self.code,
        }


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[AsyncClient]:
    async with serving(create_app(make_settings(database_url, code_cache_ttl=0))) as http_client:
        yield http_client


@pytest.fixture
async def victim(client: AsyncClient, database_url: str) -> Victim:
    api = Api(client)
    account = await api.account(VICTIM)
    code = (await api.create_code(account)).json()["code"]
    [[(password_hash,)]] = await Database(database_url).execute(
        f"SELECT password_hash FROM users WHERE email = '{VICTIM}'"  # noqa: S608 - a constant
    )
    assert isinstance(password_hash, str)
    digest = hashlib.sha256(account.refresh_token.encode()).hexdigest()
    return Victim(VICTIM, password_hash, account.refresh_token, digest, code)


Request = Callable[[Api, Victim], Awaitable[Response]]


async def look_up(api: Api, victim: Victim) -> Response:
    return await api.code_of(victim.email)


async def register_with_the_code(api: Api, victim: Victim) -> Response:
    return await api.register(NEWCOMER, NEWCOMER_PASSWORD, referral_code=victim.code)


async def register(api: Api, victim: Victim) -> Response:
    return await api.register(NEWCOMER, NEWCOMER_PASSWORD)


async def log_in(api: Api, victim: Victim) -> Response:
    return await api.login(victim.email)


async def refresh(api: Api, victim: Victim) -> Response:
    return await api.client.post("/auth/refresh", json={"refresh_token": victim.refresh_token})


def assert_nothing_personal_logged(caplog: pytest.LogCaptureFixture, victim: Victim) -> None:
    logged = caplog.text
    assert "Traceback" in logged or "unavailable" in logged, "the fault was not logged at all"
    personal = {
        **victim.secrets,
        "password": PASSWORD,
        "newcomer's email": NEWCOMER,
        "newcomer's password": NEWCOMER_PASSWORD,
    }
    leaked = [name for name, value in personal.items() if value in logged]
    leaked += ["an argon2 hash"] if "$argon2" in logged else []
    leaked += ["a token digest"] if re.search(r"\b[0-9a-f]{64}\b", logged) else []
    assert leaked == [], f"the logs hold the {leaked}:\n{logged}"


@pytest.mark.parametrize(
    ("table", "request_"),
    [("referral_codes", look_up), ("referral_codes", register_with_the_code), ("users", log_in)],
    ids=["lookup", "register-with-code", "login"],
)
async def test_a_table_gone_missing_logs_nothing_personal(
    client: AsyncClient,
    database_url: str,
    victim: Victim,
    caplog: pytest.LogCaptureFixture,
    table: str,
    request_: Request,
) -> None:
    database = Database(database_url)
    await database.hide(table)
    try:
        with caplog.at_level(logging.WARNING):
            response = await request_(Api(client), victim)
    finally:
        await database.restore(table)

    assert response.status_code >= 500, response.text
    assert_nothing_personal_logged(caplog, victim)


@pytest.mark.parametrize(
    ("table", "request_"),
    [("users", register), ("users", register_with_the_code), ("refresh_tokens", log_in), ("refresh_tokens", refresh)],
    ids=["register", "register-with-code", "login", "refresh"],
)
async def test_a_failing_insert_logs_nothing_personal(
    client: AsyncClient,
    database_url: str,
    victim: Victim,
    caplog: pytest.LogCaptureFixture,
    table: str,
    request_: Request,
) -> None:
    database = Database(database_url)
    await database.fail_inserts_into(table)
    try:
        with caplog.at_level(logging.WARNING):
            response = await request_(Api(client), victim)
    finally:
        await database.allow_inserts_into(table)

    assert response.status_code >= 500, response.text
    assert_nothing_personal_logged(caplog, victim)
