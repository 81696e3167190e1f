"""A database that vanishes (stopped, a black hole that swallows packets, or connections cut mid-statement)
costs a fast 503, never a hang or a 500, on the engine's paths and on the hot reads' own pool alike, and the
service recovers by itself when the database is back. A cluster of the tests' own."""

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Iterator, Sequence

import pytest
from alembic import command
from httpx import AsyncClient, Response

from referrals.bootstrap.app import create_app
from tests.api.conftest import PASSWORD, Account, Api, assert_problem, serving
from tests.conftest import alembic_config, make_settings
from tests.faults import BlackholeProxy, ThrowawayPostgres, throwaway_postgres

VICTIM = "victim@example.com"
# How long a caller may wait to learn that the database is unavailable, with the default timeouts.
ANSWER_WITHIN_SECONDS = 5.0
RECOVERY_WITHIN_SECONDS = 15.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[ThrowawayPostgres]:
    with throwaway_postgres() as postgres:
        command.upgrade(alembic_config(postgres.url), "head")
        yield postgres


@pytest.fixture
async def proxy(cluster: ThrowawayPostgres) -> AsyncIterator[BlackholeProxy]:
    async with BlackholeProxy(cluster.port).running() as running:
        yield running


@pytest.fixture
async def client(proxy: BlackholeProxy) -> AsyncIterator[AsyncClient]:
    # The database and pool timeouts are the defaults: they are what is under test.
    settings = make_settings(f"postgresql+asyncpg://postgres@127.0.0.1:{proxy.port}/postgres")
    async with serving(create_app(settings)) as http_client:
        yield http_client


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


async def timed(request: Awaitable[Response]) -> tuple[Response, float]:
    started = time.perf_counter()
    response = await request
    return response, time.perf_counter() - started


async def requests_needing_the_database(api: Api, account: Account) -> Sequence[tuple[Response, float]]:
    """Five requests at once: a registration and the readiness probe (the engine), a login's account read, a
    lookup the cache has not seen and `GET /users/me` (the hot reads)."""
    return await asyncio.gather(
        timed(api.register(VICTIM)),
        timed(api.client.get("/ready")),
        *hot_reads(api, account),
    )


def assert_no_email_logged(caplog: pytest.LogCaptureFixture) -> None:
    """The warnings name the route and the fault, never the path or the statement's parameters."""
    assert "unavailable" in caplog.text
    assert VICTIM not in caplog.text
    assert "$argon2" not in caplog.text


def hot_reads(api: Api, account: Account) -> list[Awaitable[tuple[Response, float]]]:
    return [
        timed(api.login(VICTIM, PASSWORD)),
        timed(api.code_of(VICTIM)),
        timed(api.client.get("/users/me", headers=account.headers)),
    ]


async def an_account_with_live_connections(api: Api) -> Account:
    """An account, after requests that leave live connections in the engine's pool and the hot reads' own."""
    account = await api.account(new_email())
    assert (await api.code_of(new_email())).status_code == 404
    assert (await api.client.get("/users/me", headers=account.headers)).status_code == 200
    return account


def assert_unavailable_in_time(outcomes: Sequence[tuple[Response, float]]) -> None:
    for response, elapsed in outcomes:
        assert_problem(response, 503)
        assert response.headers["Retry-After"]
        assert elapsed < ANSWER_WITHIN_SECONDS, f"{response.request.url.path} took {elapsed:.1f} s"


async def assert_recovers(api: Api) -> None:
    deadline = time.monotonic() + RECOVERY_WITHIN_SECONDS
    while True:
        registered = await api.register(new_email())
        if registered.status_code == 201:
            break
        assert registered.status_code == 503, registered.text
        assert time.monotonic() < deadline, "the service did not recover once the database was back"
        await asyncio.sleep(0.2)
    assert (await api.client.get("/ready")).status_code == 200
    account = await api.account(new_email())
    assert (await api.code_of(new_email())).status_code == 404
    assert (await api.client.get("/users/me", headers=account.headers)).status_code == 200


async def test_a_blackholed_database_answers_503_in_time_and_recovers(
    client: AsyncClient, proxy: BlackholeProxy, caplog: pytest.LogCaptureFixture
) -> None:
    api = Api(client)
    account = await an_account_with_live_connections(api)  # which will hang, not fail

    proxy.swallow()
    with caplog.at_level(logging.WARNING):
        outcomes = await requests_needing_the_database(api, account)
    health, health_time = await timed(client.get("/health"))

    assert_unavailable_in_time(outcomes)
    assert_no_email_logged(caplog)
    assert (health.status_code, health_time < 1) == (200, True)
    proxy.relay()
    await assert_recovers(api)


async def test_a_stopped_database_answers_503_in_time_and_recovers_when_restarted(
    client: AsyncClient, cluster: ThrowawayPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    api = Api(client)
    account = await an_account_with_live_connections(api)

    cluster.stop()
    try:
        with caplog.at_level(logging.WARNING):
            outcomes = await requests_needing_the_database(api, account)
        health = await client.get("/health")
    finally:
        cluster.start()

    assert_unavailable_in_time(outcomes)
    assert_no_email_logged(caplog)
    assert health.status_code == 200
    await assert_recovers(api)


async def test_hot_reads_cut_off_mid_statement_answer_503_and_recover(
    client: AsyncClient, proxy: BlackholeProxy
) -> None:
    api = Api(client)
    account = await an_account_with_live_connections(api)

    proxy.swallow()
    requests = asyncio.gather(*hot_reads(api, account))
    await proxy.holding(3)  # each read's statement (or a new connection's handshake) is on its way
    proxy.relay()  # and its connection is cut under it
    outcomes = await requests

    assert_unavailable_in_time(outcomes)
    await assert_recovers(api)
