"""With Valkey unreachable (refusing connections, or a black hole that never answers), every endpoint still
answers correctly from the database, each request within the cache's timeout budget."""

import time
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta

import pytest
from httpx import AsyncClient, Response

from referrals.bootstrap.app import create_app
from tests.api.conftest import Api, serving
from tests.conftest import make_settings
from tests.faults import BlackholeProxy
from tests.processes import free_port

VALKEY_TIMEOUT = 0.25
# One cache timeout per request at most (the outage gate skips the cache after the first), plus the work.
REQUEST_BUDGET_SECONDS = 1.5


@pytest.fixture(params=["refusing", "black hole"])
async def valkey_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    if request.param == "refusing":
        yield f"redis://127.0.0.1:{free_port()}/0"
        return
    async with BlackholeProxy().running() as hole:
        yield f"redis://127.0.0.1:{hole.port}/0"


@pytest.fixture
async def client(sqlite_url: str, valkey_url: str) -> AsyncIterator[AsyncClient]:
    settings = make_settings(sqlite_url, valkey_url=valkey_url, valkey_timeout=VALKEY_TIMEOUT, valkey_retry_after=0.5)
    async with serving(create_app(settings)) as http_client:
        yield http_client


class Stopwatch:
    def __init__(self) -> None:
        self.slowest = 0.0

    async def __call__(self, request: Awaitable[Response]) -> Response:
        started = time.perf_counter()
        response = await request
        self.slowest = max(self.slowest, time.perf_counter() - started)
        return response


async def test_every_endpoint_answers_from_the_database_in_time(client: AsyncClient) -> None:
    api, timed = Api(client), Stopwatch()
    expires_at = (datetime.now(UTC) + timedelta(days=7)).isoformat()

    assert (await timed(api.register("ada@example.com"))).status_code == 201
    login = await timed(api.login("ada@example.com"))
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    created = await timed(client.post("/referral-code/create", json={"expires_at": expires_at}, headers=headers))
    code = created.json()["code"]
    found = await timed(api.code_of("ada@example.com"))
    referral = await timed(api.register("bob@example.com", referral_code=code))
    listed = await timed(client.get(f"/referrals/{referral.json()['referrer_id']}", headers=headers))
    me = await timed(client.get("/users/me", headers=headers))
    deleted = await timed(client.delete("/referral-code/delete", headers=headers))
    gone = await timed(api.code_of("ada@example.com"))
    refreshed = await timed(client.post("/auth/refresh", json={"refresh_token": login.json()["refresh_token"]}))
    logged_out = await timed(
        client.post("/auth/logout", json={"refresh_token": refreshed.json()["refresh_token"]}, headers=headers)
    )
    health = await timed(client.get("/health"))
    ready = await timed(client.get("/ready"))

    assert (created.status_code, found.json()["code"], referral.status_code) == (201, code, 201)
    assert [item["email"] for item in listed.json()["items"]] == ["bob@example.com"]
    assert me.json()["email"] == "ada@example.com"
    assert (deleted.status_code, gone.status_code) == (204, 404)
    assert (refreshed.status_code, logged_out.status_code, health.status_code) == (200, 204, 200)
    assert (ready.status_code, ready.json()["cache"]) == (200, "degraded")
    assert timed.slowest < REQUEST_BUDGET_SECONDS, f"the slowest request took {timed.slowest:.2f} s"
