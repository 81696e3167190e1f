"""Attempt budgets through HTTP, on the in-process limiter and on Valkey: 429, Retry-After, per client."""

import asyncio
from datetime import timedelta

import pytest
from httpx import AsyncClient, Response

from referrals.bootstrap.app import create_app
from referrals.bootstrap.config import Settings
from tests.api.conftest import PASSWORD, Api, assert_problem, serving
from tests.conftest import MutableClock, make_settings

ALICE_ADDRESS = {"X-Forwarded-For": "198.51.100.7"}
MALLORY_ADDRESS = {"X-Forwarded-For": "203.0.113.66"}


@pytest.fixture
def settings(database_url: str, cache_settings: dict[str, object]) -> Settings:
    return make_settings(
        database_url,
        **cache_settings,
        rate_limit_lookups_per_client=3,
        rate_limit_registrations_per_client=2,
        rate_limit_login_failures_per_account=3,
        rate_limit_login_failures_per_client=5,
        rate_limit_refreshes_per_client=4,
        # The test client's peer address: it stands in for a proxy, so each test can speak as several clients.
        trusted_proxies="127.0.0.1",
        # Limits fail open when Valkey is slow; on a loaded test machine, give it time, so budgets hold.
        valkey_timeout=3.0,
    )


async def test_lookups_beyond_the_budget_answer_429_until_it_refills(api: Api, clock: MutableClock) -> None:
    for _ in range(3):
        assert (await api.client.get("/referral-code/x@example.com", headers=ALICE_ADDRESS)).status_code == 404

    refused = await api.client.get("/referral-code/x@example.com", headers=ALICE_ADDRESS)

    assert_problem(refused, 429, "too-many-attempts")
    # 3 a minute: one attempt comes back every 20 seconds.
    assert refused.headers["Retry-After"] == "20"
    assert (await api.client.get("/referral-code/x@example.com", headers=MALLORY_ADDRESS)).status_code == 404
    clock.current += timedelta(seconds=20)
    assert (await api.client.get("/referral-code/x@example.com", headers=ALICE_ADDRESS)).status_code == 404


async def test_both_registration_routes_spend_one_budget_before_reading_the_body(api: Api) -> None:
    plain = await api.client.post(
        "/auth/register", json={"email": "a@example.com", "password": PASSWORD}, headers=ALICE_ADDRESS
    )
    with_code = await api.client.post(
        "/register-with-referral",
        json={"email": "b@example.com", "password": PASSWORD, "referral_code": "0000000000000"},
        headers=ALICE_ADDRESS,
    )
    malformed = await api.client.post("/auth/register", content=b"{not json", headers=ALICE_ADDRESS)

    assert (plain.status_code, with_code.status_code) == (201, 422)
    assert_problem(malformed, 429, "too-many-attempts")
    assert int(malformed.headers["Retry-After"]) == 30


async def test_failed_logins_lock_the_guessing_client_out_of_the_account_but_not_its_owner(
    api: Api, clock: MutableClock
) -> None:
    await api.account("alice@example.com")
    for _ in range(3):
        assert (await login(api.client, "alice@example.com", "wrong password", MALLORY_ADDRESS)).status_code == 400

    locked = await login(api.client, "alice@example.com", PASSWORD, MALLORY_ADDRESS)
    owner = await login(api.client, "alice@example.com", PASSWORD, ALICE_ADDRESS)

    assert assert_problem(locked, 429, "too-many-attempts")["error"] == "temporarily_unavailable"
    assert locked.headers["Retry-After"] == "100"
    assert locked.headers["Cache-Control"] == "no-store"
    assert owner.status_code == 200
    clock.current += timedelta(seconds=100)
    assert (await login(api.client, "alice@example.com", PASSWORD, MALLORY_ADDRESS)).status_code == 200


async def test_a_guesser_at_the_owners_address_locks_the_owner_out_too(api: Api) -> None:
    # The documented trade-off: one address is one client, so a right password does not pass a spent budget.
    await api.account("alice@example.com")
    for _ in range(3):
        assert (await login(api.client, "alice@example.com", "wrong password", ALICE_ADDRESS)).status_code == 400

    owner = await login(api.client, "alice@example.com", PASSWORD, ALICE_ADDRESS)

    assert_problem(owner, 429, "too-many-attempts")


async def test_successful_logins_spend_nothing(api: Api) -> None:
    await api.account("alice@example.com")

    statuses = [(await login(api.client, "alice@example.com", PASSWORD, ALICE_ADDRESS)).status_code for _ in range(8)]

    assert statuses == [200] * 8


async def test_failures_are_also_budgeted_per_client_across_accounts(api: Api) -> None:
    statuses = [
        (await login(api.client, f"user{n}@example.com", "wrong password", MALLORY_ADDRESS)).status_code
        for n in range(7)
    ]

    assert statuses == [400] * 5 + [429] * 2


async def test_concurrent_guesses_cannot_slip_past_the_budget(api: Api) -> None:
    await api.account("alice@example.com")

    responses = await asyncio.gather(
        *(login(api.client, "alice@example.com", "wrong password", MALLORY_ADDRESS) for _ in range(20))
    )

    assert sorted(response.status_code for response in responses) == [400] * 3 + [429] * 17


async def test_both_refresh_routes_spend_one_budget_per_client(api: Api, clock: MutableClock) -> None:
    async def refresh(token: str, headers: dict[str, str]) -> Response:
        return await api.client.post("/auth/refresh", json={"refresh_token": token}, headers=headers)

    async def refresh_grant(token: str, headers: dict[str, str]) -> Response:
        form = {"grant_type": "refresh_token", "refresh_token": token}
        return await api.client.post("/auth/login", data=form, headers=headers)

    guesses = [await (refresh if n % 2 else refresh_grant)(f"guess-{n}-{'x' * 40}", MALLORY_ADDRESS) for n in range(6)]
    account = await api.account("alice@example.com")
    owner = await refresh(account.refresh_token, ALICE_ADDRESS)
    unread = await api.client.post("/auth/refresh", content=b"{not json", headers=MALLORY_ADDRESS)

    # The token endpoint refuses a bad grant with 400 (RFC 6749 §5.2); POST /auth/refresh with 401.
    assert [guess.status_code for guess in guesses] == [400, 401, 400, 401, 429, 429]
    assert_problem(guesses[-1], 429, "too-many-attempts")
    assert guesses[-1].headers["Retry-After"] == "15"  # 4 a minute: one back every 15 seconds
    assert_problem(unread, 429, "too-many-attempts")  # refused before the body is read
    assert owner.status_code == 200
    clock.current += timedelta(seconds=15)
    assert (await refresh(f"guess-again-{'x' * 40}", MALLORY_ADDRESS)).status_code == 401


async def test_the_schema_documents_429_on_every_budgeted_route(client: AsyncClient) -> None:
    paths = (await client.get("/docs/openapi.json")).json()["paths"]

    for path, method in [
        ("/auth/login", "post"),
        ("/auth/refresh", "post"),
        ("/auth/register", "post"),
        ("/register-with-referral", "post"),
        ("/referral-code/{email}", "get"),
    ]:
        documented = paths[path][method]["responses"]["429"]
        assert "application/problem+json" in documented["content"], path


async def login(client: AsyncClient, email: str, password: str, headers: dict[str, str]) -> Response:
    return await client.post("/auth/login", data={"username": email, "password": password}, headers=headers)


async def test_a_client_cannot_dodge_its_budget_by_naming_another_address(
    database_url: str, cache_settings: dict[str, object]
) -> None:
    # No TRUSTED_PROXIES: the peer is the client, whatever X-Forwarded-For says.
    settings = make_settings(database_url, **cache_settings, rate_limit_lookups_per_client=3, valkey_timeout=3.0)
    async with serving(create_app(settings)) as client:
        spent = [await client.get("/referral-code/x@example.com", headers=ALICE_ADDRESS) for _ in range(3)]
        disguised = await client.get("/referral-code/x@example.com", headers=MALLORY_ADDRESS)

    assert [response.status_code for response in spent] == [404] * 3
    assert_problem(disguised, 429, "too-many-attempts")
