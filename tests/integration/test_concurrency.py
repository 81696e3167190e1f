"""Races the database must win on its own, on both backends, through the real app."""

import asyncio
import time
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from referrals.adapters.persistence.tables import referral_codes, users
from tests.api.conftest import Api

pytestmark = pytest.mark.usefixtures("database_url")


async def count(database_url: str, query: object) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(query))  # type: ignore[arg-type]
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
    spellings = ["ada@example.com", "ADA@example.com", " Ada@Example.com "] * 4

    responses = await asyncio.gather(*(api.register(email) for email in spellings))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (len(spellings) - 1)
    assert await count(database_url, select(func.count()).select_from(users)) == 1


async def test_concurrent_refreshes_of_one_token_let_exactly_one_through(api: Api) -> None:
    account = await api.account("ada@example.com")

    responses = await asyncio.gather(
        *(api.client.post("/auth/refresh", json={"refresh_token": account.refresh_token}) for _ in range(5))
    )

    assert sorted(response.status_code for response in responses) == [200, 401, 401, 401, 401]


async def test_concurrent_registrations_with_a_code_leave_one_referral(api: Api, database_url: str) -> None:
    referrer = await api.account("ada@example.com")
    code = (await api.create_code(referrer)).json()["code"]

    responses = await asyncio.gather(*(api.register("bob@example.com", referral_code=code) for _ in range(20)))

    assert sorted(response.status_code for response in responses) == [201] + [409] * 19
    referrals = select(func.count()).where(users.c.referrer_id == uuid.UUID(referrer.id))
    assert await count(database_url, referrals) == 1


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
        await asyncio.sleep(0.05)
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
