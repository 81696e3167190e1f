"""Races the database must win on its own, on both backends, through the real app."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from httpx import Response
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import create_async_engine

from referrals.adapters.persistence.tables import referral_codes, users
from referrals.bootstrap.app import create_app
from tests.api.conftest import Api, assert_problem, serving
from tests.conditions import eventually
from tests.conftest import make_settings

pytestmark = pytest.mark.usefixtures("database_url")
SPELLINGS = ["bob@example.com", "BOB@example.com", " Bob@Example.com ", "ＢＯＢ@example.com"]


async def count(database_url: str, query: Select[int]) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(query)).scalar_one()
    finally:
        await engine.dispose()


async def test_concurrent_creates_leave_exactly_one_active_code(api: Api, database_url: str) -> None:
    account = await api.account("ada@example.com")

    responses = await asyncio.gather(*(api.create_code(account) for _ in range(50)))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 49
    active = select(func.count()).where(referral_codes.c.state == "active")
    assert await count(database_url, active) == 1


async def test_concurrent_registrations_of_one_email_leave_one_account(api: Api, database_url: str) -> None:
    spellings = [SPELLINGS[n % len(SPELLINGS)] for n in range(20)]

    responses = await asyncio.gather(*(api.register(email) for email in spellings))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 19
    assert await count(database_url, select(func.count()).select_from(users)) == 1


async def test_plain_registrations_and_registrations_with_a_code_of_one_email_leave_one_account(
    api: Api, database_url: str
) -> None:
    referrer = await api.account("ada@example.com")
    code = (await api.create_code(referrer)).json()["code"]
    with_code = [SPELLINGS[n % len(SPELLINGS)] for n in range(10)]
    plain = [SPELLINGS[(n + 1) % len(SPELLINGS)] for n in range(10)]

    responses = await asyncio.gather(
        *(api.register(email, referral_code=code) for email in with_code), *(api.register(email) for email in plain)
    )

    assert sorted(response.status_code for response in responses) == [201] + [409] * 19
    (winner,) = [response.json() for response in responses if response.status_code == 201]
    bobs = select(func.count()).where(users.c.email == "bob@example.com")
    assert await count(database_url, bobs) == 1
    # Whichever kind won, the account it made is the one the referrer sees, or not, among their referrals.
    referrals = select(func.count()).where(users.c.referrer_id == uuid.UUID(referrer.id))
    assert await count(database_url, referrals) == (1 if winner["referrer_id"] == referrer.id else 0)


async def refresh(api: Api, refresh_token: str) -> Response:
    return await api.client.post("/auth/refresh", json={"refresh_token": refresh_token})


@pytest.mark.parametrize("uses", [2, 5])
async def test_concurrent_uses_of_one_refresh_token_let_one_through_and_revoke_the_chain(api: Api, uses: int) -> None:
    account = await api.account("ada@example.com")
    other_session = (await api.login("ada@example.com")).json()["refresh_token"]

    responses = await asyncio.gather(*(refresh(api, account.refresh_token) for _ in range(uses)))

    assert sorted(response.status_code for response in responses) == [200] + [401] * (uses - 1)
    (winner,) = [response.json() for response in responses if response.status_code == 200]
    # The losers presented a token already spent (or being spent): that is a reuse, and it revoked the
    # whole chain, the pair the winner was just handed included. Another login's chain is untouched.
    assert_problem(await refresh(api, winner["refresh_token"]), 401, "invalid-refresh-token")
    assert (await refresh(api, other_session)).status_code == 200


async def test_concurrent_registrations_with_a_code_leave_one_referral(api: Api, database_url: str) -> None:
    referrer = await api.account("ada@example.com")
    code = (await api.create_code(referrer)).json()["code"]

    responses = await asyncio.gather(*(api.register("bob@example.com", referral_code=code) for _ in range(20)))

    assert sorted(response.status_code for response in responses) == [201] + [409] * 19
    referrals = select(func.count()).where(users.c.referrer_id == uuid.UUID(referrer.id))
    assert await count(database_url, referrals) == 1


@pytest.fixture(params=["memory", "valkey", "valkey-without-near-cache"])
def lookup_cache(request: pytest.FixtureRequest) -> dict[str, object]:
    """Each cache lookups can be answered from: the process's memory, Valkey with a near cache in front of it,
    and Valkey alone."""
    if request.param == "memory":
        return {}
    return {
        "valkey_url": request.getfixturevalue("valkey_url"),
        "valkey_namespace": f"test-{uuid.uuid4().hex}",
        "code_near_cache_ttl": 0 if request.param == "valkey-without-near-cache" else 30,
    }


@pytest.fixture
async def lookup_api(database_url: str, lookup_cache: dict[str, object]) -> AsyncIterator[Api]:
    async with serving(create_app(make_settings(database_url, **lookup_cache))) as client:
        yield Api(client)


async def test_no_lookup_returns_a_code_after_its_delete_answered(lookup_api: Api) -> None:
    api = lookup_api
    referrer = await api.account("ada@example.com")
    code = (await api.create_code(referrer)).json()["code"]
    delete_sent: list[float] = []
    deleted_at: list[float] = []
    outcomes: list[tuple[float, float, int, str | None]] = []

    async def look_up() -> None:
        started = time.perf_counter()
        response = await api.code_of("ada@example.com")
        outcomes.append((started, time.perf_counter(), response.status_code, response.json().get("code")))

    async def delete() -> None:
        # Only once lookups have been answered with the code (and cached it) does the delete go out.
        while sum(status == 200 for _, _, status, _ in outcomes) < 5:
            await asyncio.sleep(0.001)
        delete_sent.append(time.perf_counter())
        response = await api.client.delete("/referral-code/delete", headers=referrer.headers)
        deleted_at.append(time.perf_counter())
        assert response.status_code == 204

    def twenty_started_after_the_delete_answered() -> bool:
        return bool(deleted_at) and sum(started > deleted_at[0] for started, _, _, _ in outcomes) >= 20

    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(delete())
        while not twenty_started_after_the_delete_answered():
            tasks.create_task(look_up())
            # Cached lookups wait on no I/O; without a pause they would starve the delete of the event loop.
            await asyncio.sleep(0.001)

    before = [(status, found) for _, finished, status, found in outcomes if finished < delete_sent[0]]
    after = {status for started, _, status, _ in outcomes if started > deleted_at[0]}
    assert len(before) >= 5
    assert set(before) == {(200, code)}
    assert after == {404}


async def test_no_registration_attaches_to_a_code_after_its_delete_answered(api: Api) -> None:
    referrer = await api.account("ada@example.com")
    code = (await api.create_code(referrer)).json()["code"]
    deleted_at: list[float] = []
    outcomes: list[tuple[float, int]] = []

    async def register(n: int) -> None:
        started = time.perf_counter()
        response = await api.register(f"friend{n}@example.com", referral_code=code)
        outcomes.append((started, response.status_code))

    async def delete() -> None:
        # Only once a registration has attached to the code, so the race has two sides however fast or slow
        # registrations are on this machine.
        await eventually(lambda: any(status == 201 for _, status in outcomes))
        response = await api.client.delete("/referral-code/delete", headers=referrer.headers)
        deleted_at.append(time.perf_counter())
        assert response.status_code == 204

    def ten_answered_after_the_delete() -> bool:
        return bool(deleted_at) and sum(started > deleted_at[0] for started, _ in outcomes) >= 10

    # Registrations keep starting until ten have answered after the delete did, however slow the machine.
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(delete())
        n = 0
        while not ten_answered_after_the_delete():
            tasks.create_task(register(n))
            n += 1
            await asyncio.sleep(0.01)

    after = {status for started, status in outcomes if started > deleted_at[0]}
    assert after == {422}
    assert {status for _, status in outcomes} == {201, 422}
    page = (await api.client.get(f"/referrals/{referrer.id}?limit=100", headers=referrer.headers)).json()
    assert page["total"] == sum(status == 201 for _, status in outcomes)
